"""Is the organisation ready to send? What ``recoup check`` prints and what stops the
daily run before it plans anything.

An *error* would make messages go out wrong (no sender address, no account to pay into
for a currency the organisation invoices in); a *warning* is worth fixing but sends
nothing wrong by itself (mail written to files, the portal's public address still on this
machine).
"""

from dataclasses import dataclass
from datetime import date
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from recoup.charges import service as charges
from recoup.ledger import queries as ledger_queries
from recoup.ledger.organisation import OrganisationDetails, bank_accounts

Level = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to fix, and the command that fixes it."""

    level: Level
    message: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.level}: {self.message}" + (f" ({self.fix})" if self.fix else "")


def sending_findings(
    session: Session,
    *,
    org: OrganisationDetails,
    smtp_url: str,
    public_url: str,
    audit_key_set: bool = True,
    as_of: date | None = None,
) -> list[Finding]:
    """What is missing before ``org`` can send its customers messages, errors first;
    with ``as_of``, also the reference rates that day's charges would take from beyond
    what their tables are known to hold."""
    findings: list[Finding] = []
    if not org.email:
        findings.append(
            Finding(
                "error",
                "no sender address: messages would go out from nobody and answers get lost",
                "recoup org set --email ADDRESS",
            )
        )
    if not org.address:
        findings.append(
            Finding(
                "error",
                "no postal address: letters and formal notices must say who sends them",
                'recoup org set --address "STREET, TOWN POSTCODE"',
            )
        )
    have = {account.currency for account in bank_accounts(session, org_id=org.id)}
    for currency in ledger_queries.currencies_in_use(session, org.id) or [org.base_currency]:
        if currency not in have:
            findings.append(
                Finding(
                    "error",
                    f"no bank account for {currency}: customers would be asked to pay "
                    "without being told where",
                    f"recoup org bank add --currency {currency} --iban ... "
                    "(or --sort-code/--account-number, --routing-number/--account-number)",
                )
            )
    scheme = urlsplit(smtp_url).scheme
    if scheme == "file":
        findings.append(
            Finding(
                "warning",
                "mail is written to files, not sent (RECOUP_SMTP_URL is a file:// sink)",
                "set RECOUP_SMTP_URL=smtp://user:password@host:587?starttls=1, then "
                "recoup mail test --to YOU@EXAMPLE.COM",
            )
        )
    host = urlsplit(public_url).hostname or ""
    if host in ("127.0.0.1", "localhost", "::1", ""):
        findings.append(
            Finding(
                "warning",
                f"the portal's public address is {public_url}: links in messages will not "
                "open for customers",
                "set RECOUP_PUBLIC_URL=https://pay.example.com",
            )
        )
    if not audit_key_set:
        findings.append(
            Finding(
                "warning",
                "RECOUP_AUDIT_KEY is not set: the audit trail is a plain hash chain that "
                "anyone with database access can recompute",
                "set RECOUP_AUDIT_KEY=id:SECRET (16 characters or more, from a secret store)",
            )
        )
    if as_of is not None:
        findings += [
            Finding("warning", message, "recoup charges rates update")
            for _, _, message in charges.stale_rates(session, org_id=org.id, as_of=as_of)
        ]
    return sorted(findings, key=lambda finding: finding.level != "error")


def blocking(findings: list[Finding]) -> list[Finding]:
    """The findings that stop the daily run before it plans."""
    return [finding for finding in findings if finding.level == "error"]
