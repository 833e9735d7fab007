"""The handlers of the outbox rows ``recoup.webhooks`` renders: deliveries (kind
``webhook``) and the admins' notice of a disabled subscription (an email from the
``webhooks`` source). Registered with ``comms.payloads`` when imported; sending and
recording stay with ``delivery.WebhookChannel``."""

from recoup.comms.models import OutboxKind
from recoup.comms.payloads import Handler, register
from recoup.webhooks.delivery import SOURCE, render_delivery, render_notice
from recoup.webhooks.payloads import Delivery, Notice

register([OutboxKind.WEBHOOK], Handler(Delivery, render=render_delivery))
register([OutboxKind.EMAIL], Handler(Notice, render=render_notice), source=SOURCE)
