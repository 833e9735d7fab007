"""Typed outbox payloads, and the registry of who handles each kind of outbox row.

An outbox row's ``payload`` is JSON written by whichever domain planned the effect and
read by whichever domain carries it out. Both sides go through a Pydantic model here
or in the owning domain's ``payloads`` module: the producer builds one and stores
``model.dump()`` (exactly the JSON it stored before the models existed: only the fields
it set), the handler gets the model back from ``read``. A model ignores keys it does not
know, so every row stored so far reads as it is.

Who handles a row is looked up by its kind (and, for the few messages with renderers of
their own, its source) in ``HANDLERS``, filled by each domain's ``effects`` module:

================  ==============================  ======================================
kind (source)     payload                         handler
================  ==============================  ======================================
email/letter/sms  ``comms.payloads.Message``      ``comms.effects`` renders the template
task              ``cases.payloads.TaskOrder``    ``cases.effects`` opens a task
handoff           ``cases.payloads.HandoffOrder`` ``cases.effects`` requests a hand-off
charge            ``charges.payloads.ChargeOrder`` ``charges.effects`` charges invoices
credit_hold       ``credit.payloads.HoldOrder``   ``credit.effects`` places a hold
webhook           ``webhooks.payloads.Delivery``  ``webhooks.effects`` signs the event
email (webhooks)  ``webhooks.payloads.Notice``    ``webhooks.effects``: the admins' notice
email (analytics) ``analytics.payloads.MonthlyReport``  ``analytics.effects``: the report
================  ==============================  ======================================

A handler renders (a row the dispatcher then hands to a channel) or applies (an
internal effect, inside the claiming transaction). Rendering reads and never writes:
the portal link a message carries is issued when the row is planned
(``comms.outbox.enqueue``), and what the channel needs besides the text (sender,
reply-to, a webhook's signed body) comes back in the ``Rendered`` envelope, which the
dispatcher stores on the row with the text.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from recoup.comms.models import OutboxKind
from recoup.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from recoup.comms.dispatcher import Rendered
    from recoup.comms.models import OutboxMessage


class Payload(BaseModel):
    """What an outbox row asks for. Unknown keys are ignored (a row's envelope, keys of
    older versions), so that every stored row reads."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    def dump(self) -> dict[str, Any]:
        """The JSON stored on the row: the fields the producer set, and only those."""
        return self.model_dump(mode="json", exclude_unset=True)


class Params(BaseModel):
    """A policy step's parameters: the ones a handler reads are typed, the rest kept."""

    model_config = ConfigDict(frozen=True, extra="allow")


class Planned(Payload):
    """What every effect planned about a customer's invoices may say of itself."""

    step: str = ""  # the policy step that planned it
    cycle: str = ""  # the dunning cycle's key
    reason: str = ""
    invoice_ids: list[int] = Field(default_factory=list)
    contact_id: int | None = None
    as_of: date | None = None  # the day it was planned for
    params: Params = Field(default_factory=Params)


class MessageParams(Params):
    attach_statement: bool = False  # a statement PDF with the email


class PromiseTerms(BaseModel):
    """A promise to pay, for ``promise_confirmation``."""

    model_config = ConfigDict(frozen=True)

    amount: int
    currency: str
    promised_date: date
    made_on: date | None = None


class InstalmentTerms(BaseModel):
    """One instalment of a payment plan, for its reminder or missed notice."""

    model_config = ConfigDict(frozen=True)

    sequence: int
    count: int
    due_date: date
    currency: str
    amount: int
    paid_amount: int = 0
    plan_remaining_amount: int = 0
    plan_agreed_on: date | None = None


class Message(Planned):
    """An email, letter or SMS rendered from a template with the customer's figures:
    a policy step's message, a promise confirmation, an instalment notice, a statement,
    a payment receipt, a note to the account's owner."""

    params: MessageParams = Field(default_factory=MessageParams)
    pay_by: date | None = None  # the deadline the message sets
    promise: PromiseTerms | None = None
    instalment: InstalmentTerms | None = None
    promise_id: int | None = None
    plan_id: int | None = None
    checkout_id: int | None = None
    requested_by: str = ""  # who asked for it (a statement from the web app)
    event: str = ""  # an owner notification: what happened
    note: str = ""
    portal_token: str = ""  # the customer's portal link, issued when planned


class Envelope(BaseModel):
    """What a channel needs besides the text, stored on the row as rendered (at the
    payload's top level, where rows have always kept it)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    sender: str = Field("", alias="from")  # "Name <address>"
    reply_to: str = ""
    body: str = ""  # a webhook's body, as signed
    headers: dict[str, str] = Field(default_factory=dict)  # a webhook's signature headers

    def dump(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True)


P = TypeVar("P", bound=Payload)


@dataclass(frozen=True, slots=True)
class Handler(Generic[P]):
    """How rows of a kind are carried out: ``render`` (a message for a channel) or
    ``apply`` (an internal effect; the words it returns are the row's result)."""

    payload: type[P]
    render: "Callable[[Session, OutboxMessage, P], Rendered] | None" = None
    apply: "Callable[[Session, OutboxMessage, P], str] | None" = None

    def read(self, row: "OutboxMessage") -> P:
        """The row's payload as this handler's model."""
        return self.payload.model_validate(row.payload or {})


HANDLERS: dict[tuple[OutboxKind, str | None], Handler[Any]] = {}


def register(
    kinds: Iterable[OutboxKind], handler: Handler[Any], *, source: str | None = None
) -> None:
    """Let ``handler`` carry out rows of ``kinds`` (from ``source`` only, when given)."""
    for kind in kinds:
        key = (kind, source)
        if HANDLERS.get(key, handler) is not handler:
            raise ValueError(f"outbox rows of kind {kind} ({source}) already have a handler")
        HANDLERS[key] = handler


def handler_for(row: "OutboxMessage") -> Handler[Any]:
    """Who carries out ``row``: the handler of its kind and source, or of its kind."""
    kind = OutboxKind(row.kind)
    found = HANDLERS.get((kind, row.source)) or HANDLERS.get((kind, None))
    if found is None:
        raise InvalidInput(f"no handler for outbox rows of kind {row.kind!r}")
    return found
