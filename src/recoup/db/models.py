"""Every table of every domain, imported so that the metadata is complete.

Migrations and tests use ``metadata`` from here; add a domain's models module when it
gets tables.
"""

import recoup.accounting.models
import recoup.analytics.models
import recoup.analytics.prediction.models
import recoup.api.models
import recoup.approvals.models
import recoup.audit.models
import recoup.auth.models
import recoup.cases.models
import recoup.cashapp.models
import recoup.charges.models
import recoup.comms.models
import recoup.credit.models
import recoup.inbound.models
import recoup.jobs.models
import recoup.ledger.models
import recoup.payments.models
import recoup.policy.models
import recoup.portal.models
import recoup.web.models
import recoup.webhooks.models  # noqa: F401
from recoup.db.base import Base

metadata = Base.metadata
