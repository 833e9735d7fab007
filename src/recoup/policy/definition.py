"""Escalation policies as data: YAML files validated on load.

A policy is an ordered list of steps. Each step has a trigger (days from the due date,
negative before it, or days after an earlier step), optional conditions, one or more
actions and may be ``required`` (no invoice skips it). Errors name the file, the line
and the field.
"""

import re
from datetime import time
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from recoup import money
from recoup.errors import InvalidInput, Problem, RowsRejected

POLICY_DIR = Path(__file__).parent / "policies"


class Mode(StrEnum):
    CONSOLIDATED = "consolidated"
    PER_INVOICE = "per_invoice"


class ActionKind(StrEnum):
    EMAIL = "email"
    LETTER = "letter"
    SMS = "sms"
    CALL_TASK = "call_task"
    LATE_FEE = "late_fee"
    INTEREST = "interest"
    COMPENSATION = "compensation"
    CREDIT_HOLD = "credit_hold"
    AGENCY_HANDOFF = "agency_handoff"
    NOTIFY_OWNER = "notify_owner"


MESSAGE_ACTIONS = frozenset({ActionKind.EMAIL, ActionKind.LETTER, ActionKind.SMS})
# Actions a consumer account gets only after a person's review (B2B law does not apply).
B2B_ONLY_ACTIONS = frozenset(
    {
        ActionKind.LATE_FEE,
        ActionKind.INTEREST,
        ActionKind.COMPENSATION,
        ActionKind.CREDIT_HOLD,
        ActionKind.AGENCY_HANDOFF,
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Action(_Strict):
    """One thing a step does. In YAML: ``- email: due_notice``, ``- interest`` or
    ``- late_fee: {fixed: {GBP: "40.00"}}``."""

    kind: ActionKind
    template: str = ""
    attach_statement: bool = False
    title: str = ""
    fixed: dict[str, Decimal] = Field(default_factory=dict)
    percent: Decimal | None = None
    agency: str = ""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"kind": value}
        if isinstance(value, dict) and len(value) == 1 and "kind" not in value:
            ((kind, options),) = value.items()
            if options is None:
                return {"kind": kind}
            if isinstance(options, str):
                return {"kind": kind, "template": options}
            if isinstance(options, dict):
                return {"kind": kind, **options}
        return value

    @field_validator("fixed")
    @classmethod
    def _currencies(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for currency in value:
            money.validate_currency(currency)
        return value

    @model_validator(mode="after")
    def _complete(self) -> "Action":
        needs_template = self.kind in MESSAGE_ACTIONS or self.kind is ActionKind.NOTIFY_OWNER
        if needs_template and not self.template:
            raise ValueError(f"a {self.kind.value} action needs a template")
        if self.kind is ActionKind.LATE_FEE and not self.fixed and self.percent is None:
            raise ValueError("a late_fee needs a fixed amount per currency or a percent")
        return self


class Trigger(_Strict):
    """When a step is due: ``days_from_due`` (negative: before the due date), or
    ``days`` after the step named ``after_step`` fired."""

    days_from_due: int | None = None
    after_step: str | None = None
    days: int = 0

    @model_validator(mode="after")
    def _one(self) -> "Trigger":
        if (self.days_from_due is None) == (self.after_step is None):
            raise ValueError("give either days_from_due or after_step (with days)")
        return self


class Conditions(_Strict):
    """A step applies only when all of these hold (else it is skipped)."""

    min_overdue: dict[str, Decimal] = Field(default_factory=dict)
    tags_in: list[str] = Field(default_factory=list)
    tags_out: list[str] = Field(default_factory=list)
    risk_bands: list[str] = Field(default_factory=list)
    min_overdue_invoices: int = 0


class Step(_Strict):
    """A rung of the ladder. ``required``: every invoice passes through this step before
    a later step can act on it (the formal notice before a final demand or a hand-off),
    however late the invoice joined or the runs were."""

    name: str
    trigger: Trigger
    actions: Annotated[list[Action], Field(min_length=1)]
    conditions: Conditions = Conditions()
    required: bool = False


class FrequencyCap(_Strict):
    messages: int = 2
    days: int = 7


class SendingHours(_Strict):
    start: time = time(8, 0)
    end: time = time(18, 0)


class Policy(_Strict):
    """An escalation policy."""

    name: str
    description: str = ""
    mode: Mode = Mode.CONSOLIDATED
    frequency_cap: FrequencyCap = FrequencyCap()
    sending_hours: SendingHours = SendingHours()
    thank_you: str | None = None
    steps: Annotated[list[Step], Field(min_length=1)]

    @model_validator(mode="after")
    def _references(self) -> "Policy":
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError("step names must be unique")
        for index, step in enumerate(self.steps):
            after = step.trigger.after_step
            if after is not None and after not in names[:index]:
                raise ValueError(f"step {step.name!r}: after_step {after!r} is not an earlier step")
        return self

    @cached_property
    def first_trigger(self) -> int:
        """The earliest days-from-due any step reacts to (when a cycle opens)."""
        return min(
            (s.trigger.days_from_due for s in self.steps if s.trigger.days_from_due is not None),
            default=1,
        )


def _lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[(*path, key.value)] = key.start_mark.line + 1
            _lines(value, (*path, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse and validate a policy; ``RowsRejected`` lists each problem with its line."""
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise RowsRejected([Problem(line, source, f"not valid YAML: {exc}", "line")]) from None
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _lines(node, (), lines)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p[:1].isupper()))
            line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), 0)
            field = ".".join(str(p) for p in loc) or "policy"
            message = re.sub(r"^Value error, ", "", error["msg"])
            problems.append(Problem(line, f"{source}: {field}", message, "line"))
        raise RowsRejected(problems) from None


def load_policy(path: Path) -> Policy:
    """A policy from a YAML file."""
    if not path.is_file():
        raise InvalidInput(f"no policy file {path}", field="policy")
    return parse_policy(path.read_text(encoding="utf-8"), source=path.name)


def shipped_policies() -> dict[str, Policy]:
    """The policies that come with Recoup (default, strict, gentle), by name."""
    policies = {}
    for path in sorted(POLICY_DIR.glob("*.yaml")):
        policy = load_policy(path)
        policies[policy.name] = policy
    return policies
