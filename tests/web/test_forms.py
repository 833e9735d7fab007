"""The web forms' models (``recoup.web.forms``): what each form takes, its empty fields
as not given, and every bad value refused on its field in our words; through the web
app, the words beside the form (422) with nothing written."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from recoup.approvals.models import ApprovalRequest
from recoup.cases.models import CallLog, Dispute, PaymentPlan, Promise
from recoup.clock import parse_day
from recoup.db import transaction
from recoup.errors import InvalidInput
from recoup.portal.models import PortalToken
from recoup.web.forms import (
    ApproveForm,
    AssignForm,
    CallForm,
    CreditLimitForm,
    DisputeForm,
    DisputeResolveForm,
    DryRunForm,
    FormModel,
    HandoffForm,
    HoldForm,
    LimitRequestForm,
    PlanForm,
    PortalLinkForm,
    PromiseForm,
    ProposalForm,
    ReleaseForm,
    SplitForm,
    TaskForm,
    WriteOffForm,
    read_form,
)
from tests.web.support import World, log_in, make_client

CALL = {"outcome": "promised", "contact": "Jo", "note": "", "promised_on": "2026-07-10",
        "amount": ""}  # fmt: skip
PROMISE = {"promised_on": "2026-07-10", "amount": "", "channel": "email", "contact": "",
           "note": ""}  # fmt: skip
DISPUTE = {"invoice": ["12"], "reason": "quality", "amount": "", "description": ""}
RESOLVE = {"outcome": "credited", "note": "", "credit_amount": ""}
PLAN = {"invoice": ["12", "13"], "instalments": "3", "frequency": "monthly",
        "first_due": "2026-07-15", "note": ""}  # fmt: skip
HANDOFF = {"invoice": ["12"], "agency": "DH Collections"}
SPLIT = {"split": [{"invoice": "INV-1", "amount": "50.00"}], "customer": ""}


def refusal(model: type[FormModel], values: dict[str, Any]) -> tuple[str | None, str]:
    with pytest.raises(InvalidInput) as refused:
        read_form(model, values)
    return refused.value.field, refused.value.reason


# --- good input, and empty fields as not given --------------------------------------


def test_a_call_with_a_promise_reads_its_date_and_amount() -> None:
    call = read_form(CallForm, CALL | {"promised_on": " 2026-07-10 ", "amount": "£1,000.50"})
    assert (call.outcome, call.contact) == ("promised", "Jo")
    assert (call.promised_on, call.amount) == (date(2026, 7, 10), Decimal("1000.50"))


def test_a_call_without_a_promise_leaves_its_date_and_amount_empty() -> None:
    call = read_form(CallForm, CALL | {"outcome": "no_answer", "promised_on": "", "amount": " "})
    assert (call.promised_on, call.amount) == (None, None)


def test_a_promise_without_an_amount_is_for_everything_open() -> None:
    promise = read_form(PromiseForm, PROMISE)
    assert (promise.promised_on, promise.amount, promise.channel) == (
        date(2026, 7, 10), None, "email",
    )  # fmt: skip


def test_a_dispute_reads_the_ticked_invoices_and_skips_empty_values() -> None:
    dispute = read_form(DisputeForm, DISPUTE | {"invoice": ["", "12", " ", "13"]})
    assert (dispute.invoice, dispute.amount) == ([12, 13], None)
    assert read_form(DisputeForm, DISPUTE | {"amount": "99.90"}).amount == Decimal("99.90")


def test_one_ticked_invoice_alone_is_a_list_of_one() -> None:
    assert read_form(HandoffForm, HANDOFF | {"invoice": "12"}).invoice == [12]


def test_a_resolution_credits_the_amount_given_or_what_is_in_dispute() -> None:
    assert read_form(DisputeResolveForm, RESOLVE).credit_amount is None
    credited = read_form(DisputeResolveForm, RESOLVE | {"credit_amount": "40"})
    assert credited.credit_amount == Decimal("40")


def test_a_plan_reads_its_number_of_instalments_and_first_due_date() -> None:
    plan = read_form(PlanForm, PLAN | {"instalments": " 4 "})
    assert (plan.invoice, plan.instalments, plan.first_due, plan.frequency) == (
        [12, 13], 4, date(2026, 7, 15), "monthly",
    )  # fmt: skip


def test_hold_and_release_reasons_are_trimmed_and_a_release_needs_none() -> None:
    assert read_form(HoldForm, {"reason": "  Over limit "}).reason == "Over limit"
    assert read_form(ReleaseForm, {"reason": " Paid "}).reason == "Paid"
    assert read_form(ReleaseForm, {"reason": ""}).reason == ""


def test_a_hand_off_names_its_agency() -> None:
    handoff = read_form(HandoffForm, HANDOFF)
    assert (handoff.invoice, handoff.agency) == ([12], "DH Collections")


def test_a_split_keeps_the_rows_filled_in_in_order() -> None:
    split = read_form(
        SplitForm,
        {"split": [{"invoice": "", "amount": ""}, {"invoice": " INV-1 ", "amount": "50.00"},
                   {"invoice": "INV-2", "amount": ""}], "customer": "C2"},
    )  # fmt: skip
    assert split.rows() == [("INV-1", Decimal("50.00")), ("INV-2", None)]
    assert split.customer == "C2"


def test_a_proposal_is_its_number() -> None:
    assert read_form(ProposalForm, {"proposal": "2"}).proposal == 2


def test_a_credit_limit_may_be_empty_or_zero() -> None:
    assert read_form(CreditLimitForm, {"credit_limit": "", "limit_reason": ""}).credit_limit is None
    zero = read_form(CreditLimitForm, {"credit_limit": "0", "limit_reason": ""})
    assert zero.credit_limit == Decimal("0")
    assert read_form(CreditLimitForm, {"credit_limit": "5,000"}).credit_limit == Decimal("5000")


def test_a_dry_run_without_a_day_is_for_today() -> None:
    assert read_form(DryRunForm, {"as_of": ""}).as_of is None
    assert read_form(DryRunForm, {"as_of": "2026-07-15"}).as_of == date(2026, 7, 15)


def test_a_task_may_have_no_due_date() -> None:
    task = read_form(TaskForm, {"title": "Call back", "due_on": "", "assignee": ""})
    assert (task.title, task.due_on) == ("Call back", None)
    dated = read_form(TaskForm, {"title": "Call back", "due_on": "2026-07-03", "assignee": ""})
    assert dated.due_on == date(2026, 7, 3)


def test_a_commission_is_a_fraction_or_a_percentage() -> None:
    assert read_form(ApproveForm, {"commission": "0.25"}).commission == Decimal("0.25")
    assert read_form(ApproveForm, {"commission": " 12.5 % "}).commission == Decimal("0.125")
    assert read_form(ApproveForm, {"commission": ""}).commission is None


def test_a_write_off_is_of_one_invoice_and_of_all_it_has_open_unless_said() -> None:
    whole = read_form(WriteOffForm, {"invoice": "12", "amount": "", "reason": "bankrupt"})
    assert (whole.invoice, whole.amount, whole.reason) == (12, None, "bankrupt")
    assert read_form(WriteOffForm, {"invoice": "12", "amount": "9.99"}).amount == Decimal("9.99")


def test_a_limit_request_may_remove_the_limit() -> None:
    assert read_form(LimitRequestForm, {"limit": "", "reason": "x"}).limit is None
    assert read_form(LimitRequestForm, {"limit": "25 000"}).limit == Decimal("25000")


def test_assigning_takes_the_ticked_customers_or_all_matching() -> None:
    ticked = read_form(AssignForm, {"to": " jo@x.example ", "customer": ["3", "", "7"]})
    assert (ticked.to, ticked.which, ticked.customer) == ("jo@x.example", "ticked", [3, 7])
    assert read_form(AssignForm, {"to": "", "which": "all"}).customer == []


def test_a_portal_link_is_valid_thirty_days_unless_said() -> None:
    assert read_form(PortalLinkForm, {}).days == 30
    assert read_form(PortalLinkForm, {"days": "366"}).days == 366


# --- every bad value: its field and our words ----------------------------------------


@pytest.mark.parametrize(
    ("model", "values", "field", "reason"),
    [
        (
            CallForm,
            CALL | {"promised_on": ""},
            "promised_on",
            "enter the date they promised to pay",
        ),
        (CallForm, CALL | {"promised_on": "10/07/2026"}, "promised_on", "enter a date"),
        (CallForm, CALL | {"promised_on": "2026-02-30"}, "promised_on", "enter a date"),
        (CallForm, CALL | {"amount": "0"}, "amount", "must be more than zero"),
        (CallForm, CALL | {"amount": "lots"}, "amount", "'lots' is not an amount"),
        (CallForm, CALL | {"contact": "x" * 201}, "contact", "must have at most 200 characters"),
        (CallForm, CALL | {"note": "x" * 5001}, "note", "must have at most 5000 characters"),
        (CallForm, CALL | {"contact": "Jo\x00"}, "contact", "must not contain NUL characters"),
        (CallForm, CALL | {"colour": "red"}, "colour", "is not a field of this form"),
        (PromiseForm, PROMISE | {"promised_on": ""}, "promised_on", "enter a date"),
        (PromiseForm, PROMISE | {"amount": "-5"}, "amount", "must be more than zero"),
        (
            PromiseForm,
            PROMISE | {"channel": "x" * 17},
            "channel",
            "must have at most 16 characters",
        ),
        (DisputeForm, DISPUTE | {"invoice": []}, "invoice", "choose at least one invoice"),
        (DisputeForm, DISPUTE | {"invoice": ["", " "]}, "invoice", "choose at least one invoice"),
        (
            DisputeForm,
            {k: v for k, v in DISPUTE.items() if k != "invoice"},
            "invoice",
            "choose at least one invoice",
        ),
        (DisputeForm, DISPUTE | {"invoice": ["12", "A-1"]}, "invoice", "choose from the list"),
        (DisputeForm, DISPUTE | {"invoice": ["0"]}, "invoice", "choose from the list"),
        (DisputeForm, DISPUTE | {"invoice": ["1"] * 501}, "invoice", "choose at most 500 invoices"),
        (DisputeForm, DISPUTE | {"amount": "0.00"}, "amount", "must be more than zero"),
        (DisputeForm, DISPUTE | {"reason": "x" * 17}, "reason", "must have at most 16 characters"),
        (
            DisputeForm,
            DISPUTE | {"description": "x" * 5001},
            "description",
            "must have at most 5000 characters",
        ),
        (
            DisputeResolveForm,
            RESOLVE | {"credit_amount": "0"},
            "credit_amount",
            "must be more than zero",
        ),
        (
            DisputeResolveForm,
            RESOLVE | {"credit_amount": "1O0"},
            "credit_amount",
            "'1O0' is not an amount",
        ),
        (PlanForm, PLAN | {"instalments": ""}, "instalments", "enter the number of instalments"),
        (
            PlanForm,
            PLAN | {"instalments": "three"},
            "instalments",
            "enter the number of instalments",
        ),
        (PlanForm, PLAN | {"invoice": []}, "invoice", "choose at least one invoice"),
        (PlanForm, PLAN | {"first_due": ""}, "first_due", "enter a date"),
        (PlanForm, PLAN | {"first_due": "next month"}, "first_due", "enter a date"),
        (HoldForm, {"reason": ""}, "reason", "say why"),
        (HoldForm, {"reason": "   "}, "reason", "say why"),
        (HandoffForm, HANDOFF | {"invoice": []}, "invoice", "choose at least one invoice"),
        (
            HandoffForm,
            HANDOFF | {"agency": "x" * 201},
            "agency",
            "must have at most 200 characters",
        ),
        (ProposalForm, {"proposal": ""}, "proposal", "choose a proposal"),
        (ProposalForm, {"proposal": "best"}, "proposal", "choose a proposal"),
        (SplitForm, {"split": [], "customer": ""}, "invoice", "name at least one invoice"),
        (
            SplitForm,
            {"split": [{"invoice": "", "amount": ""}], "customer": ""},
            "invoice",
            "name at least one invoice",
        ),
        (
            SplitForm,
            SPLIT | {"split": [{"invoice": "INV-1", "amount": ""}, {"invoice": "", "amount": "5"}]},
            "invoice",
            "row 2: name the invoice the amount is for",
        ),
        (
            SplitForm,
            SPLIT | {"split": [{"invoice": "INV-1", "amount": "0"}]},
            "amount",
            "row 1: the amount must be more than zero",
        ),
        (
            SplitForm,
            SPLIT | {"split": [{"invoice": "INV-1", "amount": "lots"}]},
            "amount",
            "row 1: 'lots' is not an amount",
        ),
        (CreditLimitForm, {"credit_limit": "-1"}, "credit_limit", "must not be negative"),
        (CreditLimitForm, {"credit_limit": "a lot"}, "credit_limit", "'a lot' is not an amount"),
        (DryRunForm, {"as_of": "someday"}, "as_of", "enter a date"),
        (TaskForm, {"title": "x", "due_on": "soon"}, "due_on", "enter a date"),
        (TaskForm, {"title": "x" * 201}, "title", "must have at most 200 characters"),
        (
            ApproveForm,
            {"commission": "a quarter"},
            "commission",
            "enter a rate such as 0.25 or 25%",
        ),
        (ApproveForm, {"commission": "NaN"}, "commission", "enter a rate such as 0.25 or 25%"),
        (ApproveForm, {"dpa": "x" * 201}, "dpa", "must have at most 200 characters"),
        (WriteOffForm, {"invoice": ""}, "invoice", "choose an invoice"),
        (WriteOffForm, {"invoice": "-4"}, "invoice", "choose an invoice"),
        (WriteOffForm, {"invoice": "12", "amount": "0"}, "amount", "must be more than zero"),
        (LimitRequestForm, {"limit": "-5"}, "limit", "must not be negative"),
        (AssignForm, {"customer": ["3", "three"]}, "customer", "choose from the list"),
        (AssignForm, {"which": "some"}, "which", "choose from the list"),
        (PortalLinkForm, {"days": "367"}, "days", "choose 1 to 366 days"),
        (PortalLinkForm, {"days": "0"}, "days", "choose 1 to 366 days"),
        (PortalLinkForm, {"days": "a month"}, "days", "choose 1 to 366 days"),
    ],
)
def test_a_bad_value_is_refused_on_its_field_in_our_words(
    model: type[FormModel], values: dict[str, Any], field: str, reason: str
) -> None:
    assert refusal(model, values) == (field, reason)


def test_the_first_field_in_the_form_is_the_one_refused() -> None:
    # As the form reads top to bottom: the date before the amount.
    bad = CALL | {"promised_on": "soon", "amount": "lots"}
    assert refusal(CallForm, bad) == ("promised_on", "enter a date")


@pytest.mark.parametrize(
    "text", ["2026-07-01", " 2026-07-01 ", "20260701", "2026-7-1", "1 July 2026", "1719792000"]
)
def test_the_form_reads_a_date_as_the_clock_does(text: str) -> None:
    # One date parser (``recoup.clock.parse_day``): the same day, or the same words.
    try:
        day: object = ("promised_on", parse_day(text, field="promised_on"))
    except InvalidInput as error:
        day = (error.field, error.reason)
    try:
        read: object = (
            "promised_on",
            read_form(PromiseForm, PROMISE | {"promised_on": text}).promised_on,
        )
    except InvalidInput as error:
        read = (error.field, error.reason)
    assert read == day


# --- through the web app: the words beside the form, nothing written ------------------


def _count(world: World, model: type) -> int:  # type: ignore[type-arg]
    with transaction(world.engine, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _client(world: World, email: str) -> tuple[TestClient, str]:
    client = make_client(world)
    return client, log_in(client, email)


def _form_of(html: str, action: str) -> str:
    """The HTML of the form posting to ``action`` (its error is shown inside it)."""
    return html.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]


def test_a_promise_of_nothing_is_refused_beside_its_form_and_not_recorded(
    world: World,
) -> None:
    client, csrf = _client(world, "collector@alpha.example")
    url = f"/customers/{world.a.customers['C2']}"
    before = _count(world, Promise)
    refused = client.post(
        f"{url}/promises",
        data={"promised_on": "2026-07-10", "amount": "0", "channel": "email", "csrf_token": csrf},
    )
    assert refused.status_code == 422
    form = _form_of(refused.text, f"{url}/promises")
    assert '<span class="field-error" role="alert">must be more than zero</span>' in form
    assert 'name="amount" inputmode="decimal" size="12" value="0"' in form  # as typed
    assert _count(world, Promise) == before


def test_a_dispute_of_an_unreadable_amount_is_refused_beside_its_form(world: World) -> None:
    client, csrf = _client(world, "collector@alpha.example")
    url = f"/customers/{world.a.customers['C2']}"
    before = _count(world, Dispute)
    refused = client.post(
        f"{url}/disputes",
        data={"invoice": str(world.a.invoices["A-C2-2"]), "reason": "quality",
              "amount": "lots", "csrf_token": csrf},
    )  # fmt: skip
    assert refused.status_code == 422
    form = _form_of(refused.text, f"{url}/disputes")
    assert "&#39;lots&#39; is not an amount</span>" in form
    assert _count(world, Dispute) == before


def test_a_plan_without_a_first_date_is_refused_beside_its_form(world: World) -> None:
    client, csrf = _client(world, "manager@alpha.example")
    url = f"/customers/{world.a.customers['C2']}"
    before = _count(world, PaymentPlan)
    refused = client.post(
        f"{url}/plans",
        data={"invoice": [str(world.a.invoices["A-C2-1"])], "instalments": "3",
              "first_due": "next month", "csrf_token": csrf},
    )  # fmt: skip
    assert refused.status_code == 422
    assert '<span class="field-error" role="alert">enter a date</span>' in _form_of(
        refused.text, f"{url}/plans"
    )
    assert _count(world, PaymentPlan) == before


def test_a_call_with_a_bad_promise_date_logs_no_call(world: World) -> None:
    # The whole form is checked before the call is logged: no call without its promise.
    client, csrf = _client(world, "collector@alpha.example")
    url = f"/customers/{world.a.customers['C2']}"
    before = _count(world, CallLog)
    refused = client.post(
        f"{url}/calls",
        data={"outcome": "promised", "promised_on": "31/07/2026", "csrf_token": csrf},
    )
    assert refused.status_code == 422
    assert '<span class="field-error" role="alert">enter a date</span>' in _form_of(
        refused.text, f"{url}/calls"
    )
    assert _count(world, CallLog) == before


def _refused_form(world: World, path: str, data: dict[str, str], model: type) -> str:  # type: ignore[type-arg]
    """``data`` posted by a collector to customer C2's ``path``: refused (422) with no
    ``model`` row written; the HTML of the form, where the reason shows."""
    client, csrf = _client(world, "collector@alpha.example")
    url = f"/customers/{world.a.customers['C2']}/{path}"
    before = _count(world, model)
    refused = client.post(url, data={**data, "csrf_token": csrf})
    assert refused.status_code == 422
    assert _count(world, model) == before
    return _form_of(refused.text, url)


def test_a_write_off_without_an_invoice_is_refused_and_nothing_is_asked(world: World) -> None:
    data = {"invoice": "", "amount": "10", "reason": "bankrupt"}
    assert "choose an invoice" in _refused_form(world, "write-off", data, ApprovalRequest)


def test_a_portal_link_for_too_long_is_refused_and_none_is_made(world: World) -> None:
    form = _refused_form(world, "portal-link", {"days": "400"}, PortalToken)
    assert "Choose 1 to 366 days." in form


def test_an_assignment_of_a_customer_not_in_the_list_changes_nobody(world: World) -> None:
    client, csrf = _client(world, "manager@alpha.example")
    refused = client.post(
        "/assignments",
        data={"to": "", "which": "ticked", "customer": [str(world.a.customers["C2"]), "C2"],
              "csrf_token": csrf},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "choose from the list" in refused.text
