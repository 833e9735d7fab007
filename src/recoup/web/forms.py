"""The web app's forms as models: what each HTML form may send, checked in one place.

An HTML form sends strings: a field left empty is ``""`` (not given), a repeated field
(the ``invoice`` check boxes) a list. The models here read that: dates through
``recoup.clock.parse_day`` and amounts through ``recoup.money.parse_amount`` (the one
parser of each, as the portal and the command line use), ids and lengths as the
domain's request models (``recoup.schemas``, ``recoup.cases.schemas``) take them.

``read_form`` checks a form's values against its model; the first problem is an
``InvalidInput`` on the form's field in our own words (``WORDING``, or the form's own),
never pydantic's English. The rules that need the database (is the invoice open, is the
outcome one we know) stay with the domain's services.
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from annotated_types import MaxLen
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from recoup import money
from recoup.cases.schemas import (
    DisputeCreate,
    DisputeResolve,
    PaymentPlanCreate,
    PromiseCreate,
    TaskCreate,
)
from recoup.clock import parse_day
from recoup.errors import InvalidInput
from recoup.portal.core import LINK_DAYS_MAX
from recoup.schemas import Closed, Id, Text200

# Our words per pydantic error type ("{...}" from the error's context). A type not
# listed here is "is not valid"; a value error carries words of our own validators.
WORDING: dict[str, str] = {
    "missing": "is required",
    "string_type": "must be text",
    "string_too_short": "must have at least {min_length} characters",
    "string_too_long": "must have at most {max_length} characters",
    "int_type": "enter a whole number",
    "int_parsing": "enter a whole number",
    "int_from_float": "enter a whole number",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "list_type": "choose from the list",
    "too_short": "choose at least {min_length}",
    "too_long": "choose at most {max_length}",
    "extra_forbidden": "is not a field of this form",
    "literal_error": "choose from the list",
}
# The same bounds at zero, as people say them.
WORDING_AT_ZERO: dict[str, str] = {
    "greater_than": "must be more than zero",
    "greater_than_equal": "must not be negative",
}
# A form's own words for ``(field, error type)``.
Wording = Mapping[tuple[str, str], str]
# The error type of a form's own rules: the reason is ours, the field may be named.
OWN = "recoup_form"

_CHOOSE = "choose from the list"
_WHOLE_NUMBER = ("missing", "int_type", "int_parsing", "int_from_float")
# The ticked invoices: a value that is no id of ours was not one of the boxes.
INVOICE_WORDING: Wording = {
    ("invoice", "missing"): "choose at least one invoice",
    ("invoice", "too_short"): "choose at least one invoice",
    ("invoice", "too_long"): "choose at most {max_length} invoices",
    **{
        ("invoice", kind): _CHOOSE
        for kind in ("int_type", "int_parsing", "int_from_float", "greater_than_equal",
                     "less_than_equal")
    },
}  # fmt: skip


def problem(reason: str, *, field: str | None = None) -> PydanticCustomError:
    """A problem that a form's own rule finds, in our words, on ``field`` (when the rule
    is the model's, which pydantic places on no field)."""
    context: dict[str, Any] = {"reason": reason}
    if field:
        context["field"] = field
    return PydanticCustomError(OWN, "{reason}", context)


def _given(value: object) -> object:
    """An empty field (only spaces) is a value not given."""
    return None if isinstance(value, str) and not value.strip() else value


def _day(value: object) -> object:
    """A day as ``recoup.clock.parse_day`` reads it, refused in its words (``read_form``
    names the form's field)."""
    if not isinstance(value, str):
        return value
    try:
        return parse_day(value, field="day")
    except InvalidInput as error:
        raise problem(error.reason) from None


def _amount(value: object) -> object:
    """An amount as ``recoup.money.parse_amount`` reads it, refused in its words."""
    if not isinstance(value, str):
        return value
    try:
        return money.parse_amount(value)
    except InvalidInput as error:
        raise problem(error.reason) from None


def _rate(value: object) -> object:
    """A rate as a fraction (0.25) or a percentage (25%)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        rate = Decimal(text.removesuffix("%").strip())
    except ArithmeticError:
        rate = Decimal("NaN")
    if not rate.is_finite():
        raise problem("enter a rate such as 0.25 or 25%")
    return rate / 100 if text.endswith("%") else rate


def _ticked(value: object) -> object:
    """The values of a repeated field, those left empty dropped (one value alone is a
    list of one)."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list):
        return value
    return [v for v in values if _given(v) is not None]


def _max_length(model: type[BaseModel], name: str) -> int:
    """The most the domain's request ``model`` takes in field ``name`` (characters, or
    items of a list): one limit for the API and the page."""
    info = model.model_fields[name]
    return next(m.max_length for m in info.metadata if isinstance(m, MaxLen))


Day = Annotated[date, BeforeValidator(_day)]
OptionalDay = Annotated[Day | None, BeforeValidator(_given)]
PositiveAmount = Annotated[Decimal, BeforeValidator(_amount), Field(gt=0)]
OptionalPositiveAmount = Annotated[PositiveAmount | None, BeforeValidator(_given)]
OptionalLimit = Annotated[
    Annotated[Decimal, BeforeValidator(_amount), Field(ge=0)] | None, BeforeValidator(_given)
]
OptionalRate = Annotated[Annotated[Decimal, BeforeValidator(_rate)] | None, BeforeValidator(_given)]
InvoiceIds = Annotated[
    list[Id],
    BeforeValidator(_ticked),
    Field(min_length=1, max_length=_max_length(DisputeCreate, "invoice_ids")),
]
NoteText = Annotated[str, Field(max_length=_max_length(PromiseCreate, "note"))]
Trimmed = Annotated[str, AfterValidator(str.strip)]


class FormModel(Closed):
    """A web form: its fields as the form names them (no others, no NUL characters).
    ``wording`` gives the form's own words for ``(field, error type)``."""

    wording: ClassVar[Wording] = {}


FormT = TypeVar("FormT", bound=FormModel)


def read_form(model: type[FormT], values: Mapping[str, object]) -> FormT:
    """``values`` as the form sent them, checked by ``model``; the first problem is an
    ``InvalidInput`` naming the field, in our words.

    >>> read_form(PromiseForm, {"promised_on": " 2026-07-10 ", "amount": ""}).promised_on
    datetime.date(2026, 7, 10)
    >>> read_form(PromiseForm, {"promised_on": "10/07/2026"})
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: promised_on: enter a date
    >>> read_form(PromiseForm, {"promised_on": "2026-07-10", "amount": "0"})
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: amount: must be more than zero
    """
    try:
        return model.model_validate(dict(values))
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field, reason = _explain(model, first)
        raise InvalidInput(reason, field=field) from None


def _explain(model: type[FormModel], error: ErrorDetails) -> tuple[str, str]:
    """The field ``error`` is on and our words for it; a problem inside a row of a
    repeated group (``split.2.amount``) says which row."""
    loc, kind = error["loc"], error["type"]
    context = error.get("ctx") or {}
    names = [part for part in loc if isinstance(part, str)]
    field = str(context.get("field") or (names[-1] if names else ""))
    if kind == OWN:
        reason = str(context["reason"])
    elif kind == "value_error":  # a ValueError of our own validators (``Closed``)
        reason = str(context.get("error", "is not valid"))
    elif (field, kind) in model.wording:
        reason = model.wording[field, kind].format(**context)
    elif kind in WORDING_AT_ZERO and context.get("gt", context.get("ge")) == 0:
        reason = WORDING_AT_ZERO[kind]
    else:
        reason = WORDING.get(kind, "is not valid").format(**context)
    row = next((i for i, part in enumerate(loc) if isinstance(part, int)), None)
    if row is not None and (row < len(loc) - 1 or "field" in context):
        reason = f"row {int(loc[row]) + 1}: {reason}"
    return field, reason


class CallForm(FormModel):
    """A call and its outcome; with ``promised_on``, the promise to pay it produced (of
    ``amount``, or everything open)."""

    outcome: str = ""
    contact: Text200 = ""
    note: NoteText = ""
    promised_on: OptionalDay = None
    amount: OptionalPositiveAmount = None

    @model_validator(mode="after")
    def _promise_has_a_date(self) -> "CallForm":
        if self.outcome == "promised" and self.promised_on is None:
            raise problem("enter the date they promised to pay", field="promised_on")
        return self


class PromiseForm(FormModel):
    """A promise to pay on ``promised_on`` made by email, letter or in person."""

    promised_on: Day
    amount: OptionalPositiveAmount = None
    channel: Annotated[str, Field(max_length=_max_length(PromiseCreate, "channel"))] = "email"
    contact: Text200 = ""
    note: NoteText = ""


class DisputeForm(FormModel):
    """A dispute on the ticked invoices (of ``amount``, or all they have open)."""

    wording: ClassVar[Wording] = INVOICE_WORDING

    invoice: InvoiceIds
    reason: Annotated[str, Field(max_length=_max_length(DisputeCreate, "reason"))] = ""
    amount: OptionalPositiveAmount = None
    description: Annotated[str, Field(max_length=_max_length(DisputeCreate, "description"))] = ""


class DisputeResolveForm(FormModel):
    """How a dispute ends (a credited one with ``credit_amount``, or what is in dispute)."""

    outcome: Annotated[str, Field(max_length=_max_length(DisputeResolve, "outcome"))] = ""
    note: Annotated[str, Field(max_length=_max_length(DisputeResolve, "note"))] = ""
    credit_amount: OptionalPositiveAmount = None


class PlanForm(FormModel):
    """A payment plan of ``instalments`` equal parts over the ticked invoices (their
    number is checked by the plan rule, ``recoup.cases.core``, for the API too)."""

    wording: ClassVar[Wording] = {
        **INVOICE_WORDING,
        **{("instalments", kind): "enter the number of instalments" for kind in _WHOLE_NUMBER},
    }

    instalments: int
    invoice: InvoiceIds
    first_due: Day
    frequency: Annotated[str, Field(max_length=_max_length(PaymentPlanCreate, "frequency"))] = (
        "monthly"
    )
    note: Annotated[str, Field(max_length=_max_length(PaymentPlanCreate, "note"))] = ""


class HoldForm(FormModel):
    """Why the customer is put on credit hold (required)."""

    reason: Trimmed

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, reason: str) -> str:
        if not reason:
            raise problem("say why")
        return reason


class ReleaseForm(FormModel):
    """Why the customer's credit holds are released (may be left empty)."""

    reason: Trimmed = ""


class HandoffForm(FormModel):
    """The ticked invoices to place with the collection agency named."""

    wording: ClassVar[Wording] = INVOICE_WORDING

    invoice: InvoiceIds
    agency: Text200 = ""


class ProposalForm(FormModel):
    """Which of a bank line's proposals to accept (1: the best)."""

    wording: ClassVar[Wording] = {("proposal", kind): "choose a proposal" for kind in _WHOLE_NUMBER}

    proposal: int


class SplitRow(FormModel):
    """One row of a bank line's split: an invoice number and the amount for it (empty:
    its open amount). A row left empty is skipped."""

    invoice: str = ""
    amount: OptionalPositiveAmount = None

    @model_validator(mode="before")
    @classmethod
    def _amount_has_an_invoice(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and _given(data.get("invoice", "")) is None
            and _given(data.get("amount", "")) is not None
        ):
            raise problem("name the invoice the amount is for", field="invoice")
        return data


class SplitForm(FormModel):
    """A bank line split over invoices, the rest on account of ``customer`` (empty: the
    first invoice's customer)."""

    wording: ClassVar[Wording] = {("amount", "greater_than"): "the amount must be more than zero"}

    split: list[SplitRow]
    customer: str = ""

    @model_validator(mode="after")
    def _an_invoice_named(self) -> "SplitForm":
        if not self.rows():
            raise problem("name at least one invoice", field="invoice")
        return self

    def rows(self) -> list[tuple[str, Decimal | None]]:
        """``(invoice number, amount or None)`` of the rows filled in, in order."""
        return [(r.invoice.strip(), r.amount) for r in self.split if r.invoice.strip()]


class CreditLimitForm(FormModel):
    """A customer's credit limit (empty: none) and why it changes."""

    credit_limit: OptionalLimit = None
    limit_reason: str = ""


class DryRunForm(FormModel):
    """The day a dry run plans (empty: today)."""

    as_of: OptionalDay = None


class TaskForm(FormModel):
    """A task on a customer's account, due on ``due_on`` (empty: no date)."""

    title: Annotated[str, Field(max_length=_max_length(TaskCreate, "title"))] = ""
    due_on: OptionalDay = None
    assignee: Annotated[str, Field(max_length=_max_length(TaskCreate, "assignee"))] = ""


class ApproveForm(FormModel):
    """An approval, with the agency's commission and data-processing agreement when a
    hand-off is approved; ``next`` is the page to go back to."""

    reason: str = ""
    commission: OptionalRate = None
    dpa: Text200 = ""
    next: str = ""


class RejectForm(FormModel):
    """A request turned down (the service requires the reason)."""

    reason: str = ""
    next: str = ""


class WriteOffForm(FormModel):
    """A write-off asked for on one open invoice (of ``amount``, or all it has open)."""

    wording: ClassVar[Wording] = {
        ("invoice", kind): "choose an invoice"
        for kind in (*_WHOLE_NUMBER, "greater_than_equal", "less_than_equal")
    }

    invoice: Id
    amount: OptionalPositiveAmount = None
    reason: str = ""


class LimitRequestForm(FormModel):
    """A new credit limit (empty: none) and why (the service requires the reason)."""

    limit: OptionalLimit = None
    reason: str = ""


class AssignForm(FormModel):
    """The ticked customers, or ``all`` matching the page's filters, given to the user
    ``to`` ("": nobody)."""

    wording: ClassVar[Wording] = {
        ("customer", kind): _CHOOSE
        for kind in (*_WHOLE_NUMBER, "greater_than_equal", "less_than_equal")
    }

    to: Trimmed = ""
    which: Literal["ticked", "all"] = "ticked"
    customer: Annotated[list[Id], BeforeValidator(_ticked)] = Field(default_factory=list)


class PortalLinkForm(FormModel):
    """How many days a new portal link is valid."""

    wording: ClassVar[Wording] = {
        ("days", kind): f"choose 1 to {LINK_DAYS_MAX} days"
        for kind in (*_WHOLE_NUMBER, "greater_than_equal", "less_than_equal")
    }

    days: Annotated[int, Field(ge=1, le=LINK_DAYS_MAX)] = 30
