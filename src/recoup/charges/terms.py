"""Contract terms as users type them (command line, customers import): parsed and
checked here, once, before anything is stored.

>>> terms = parse_terms(law="de", rate="9.5", late_fee="25.00", compensation="40", currency="EUR")
>>> terms.jurisdiction, terms.interest_rate_percent, terms.late_fee, terms.compensation
('DE', Decimal('9.5'), LateFee(amount=Decimal('25.00'), percent=None), Decimal('40'))
>>> parse_terms(late_fee="2.5%", currency="EUR").late_fee
LateFee(amount=None, percent=Decimal('2.5'))
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from recoup import money
from recoup.charges.core import LateFee
from recoup.charges.jurisdictions import shipped_jurisdictions, unsupported_countries
from recoup.errors import InvalidInput, Problem


@dataclass(frozen=True, slots=True)
class TermsInput:
    """Checked terms; ``None`` leaves a term as it is (or to the statute / the policy)."""

    jurisdiction: str | None = None
    interest_rate_percent: Decimal | None = None
    late_fee: LateFee | None = None
    compensation: Decimal | None = None

    @property
    def empty(self) -> bool:
        """Whether no term is given."""
        return self == TermsInput()


def _number(text: str, field: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"{text!r} is not a number", field=field) from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"{text!r} must be zero or more", field=field)
    return value


def parse_law(text: str) -> str:
    """A jurisdiction code Recoup implements (``GB``, ``DE``, ``EU``, ...)."""
    code = text.strip().upper()
    if code in shipped_jurisdictions():
        return code
    if code in unsupported_countries():
        raise InvalidInput(f"{unsupported_countries()[code]}; set a contract rate", field="law")
    known = ", ".join(shipped_jurisdictions())
    raise InvalidInput(f"unknown law {text!r} (known: {known})", field="law")


def parse_terms(
    *,
    currency: str,
    law: str = "",
    rate: str = "",
    late_fee: str = "",
    compensation: str = "",
) -> TermsInput:
    """Terms from text; an empty text leaves that term unset. A late fee ending in ``%``
    is a percentage of the overdue amount, else a fixed amount in ``currency``; the
    compensation is a fixed amount in ``currency``. Raises ``InvalidInput`` naming the
    field."""
    rate_value = _number(rate, "interest_rate") if rate.strip() else None
    if rate_value is not None and rate_value > 100:
        raise InvalidInput("must be between 0 and 100 (a percentage a year)", field="interest_rate")
    fee = None
    if late_fee.strip():
        if late_fee.strip().endswith("%"):
            percent = _number(late_fee.strip().removesuffix("%"), "late_fee")
            if percent > 100:
                raise InvalidInput("a percentage must be 100 or less", field="late_fee")
            fee = LateFee(percent=percent)
        else:
            amount = _number(late_fee, "late_fee")
            try:  # refuses more decimals than the currency has
                money.to_minor(amount, currency)
            except InvalidInput as error:
                raise InvalidInput(error.reason, field="late_fee") from None
            fee = LateFee(amount=amount)
    compensation_value = None
    if compensation.strip():
        compensation_value = _number(compensation, "compensation")
        try:
            money.to_minor(compensation_value, currency)
        except InvalidInput as error:
            raise InvalidInput(error.reason, field="compensation") from None
    return TermsInput(
        jurisdiction=parse_law(law) if law.strip() else None,
        interest_rate_percent=rate_value,
        late_fee=fee,
        compensation=compensation_value,
    )


def terms_problems(row: int, **values: str) -> tuple[TermsInput | None, list[Problem]]:
    """``parse_terms`` for one import row: the terms, or the problem naming the column."""
    try:
        return parse_terms(**values), []
    except InvalidInput as error:
        return None, [Problem(row, error.field or "", error.reason)]
