"""What a change to a policy does, in words (pure): the approvals queue shows it so the
second person sees what they approve, not only the YAML."""

from recoup.policy.definition import Policy, Step


def _when(step: Step) -> str:
    trigger = step.trigger
    if trigger.days_from_due is not None:
        days = trigger.days_from_due
        if days < 0:
            return f"{-days} days before due"
        return "on the due date" if days == 0 else f"{days} days past due"
    return f"{trigger.days} days after '{trigger.after_step}'"


def _does(step: Step) -> str:
    return ", ".join(a.kind.value + (f" {a.template}" if a.template else "") for a in step.actions)


def describe_change(old: Policy | None, new: Policy) -> list[str]:
    """The differences between ``old`` (None: a new policy) and ``new``, one line each;
    empty when nothing that matters changed.

    >>> from recoup.policy.definition import shipped_policies
    >>> p = shipped_policies()["default"]
    >>> describe_change(p, p)
    []
    >>> later = p.model_copy(update={"description": "Slower"})
    >>> describe_change(p, later)
    ['description: Slower']
    """
    if old is None:
        return [f"new policy {new.name!r} with {len(new.steps)} steps"]
    lines: list[str] = []
    for field in ("description", "mode", "thank_you"):
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            lines.append(f"{field.replace('_', ' ')}: {getattr(after, 'value', after)}")
    if old.frequency_cap != new.frequency_cap:
        cap = new.frequency_cap
        lines.append(f"at most {cap.messages} messages in {cap.days} days")
    if old.sending_hours != new.sending_hours:
        hours = new.sending_hours
        lines.append(f"sending hours {hours.start:%H:%M}–{hours.end:%H:%M}")
    before = {s.name: s for s in old.steps}
    after = {s.name: s for s in new.steps}
    for name, step in after.items():
        was = before.get(name)
        if was is None:
            lines.append(f"step {name!r} added: {_when(step)}, {_does(step)}")
        elif was != step:
            changed = []
            if was.trigger != step.trigger:
                changed.append(f"{_when(was)} → {_when(step)}")
            if was.actions != step.actions:
                changed.append(f"does {_does(step)}")
            if was.conditions != step.conditions:
                changed.append("conditions changed")
            if was.required != step.required:
                changed.append("required" if step.required else "no longer required")
            lines.append(f"step {name!r}: " + "; ".join(changed or ["changed"]))
    lines += [f"step {name!r} removed" for name in before if name not in after]
    if not lines and [s.name for s in old.steps] != [s.name for s in new.steps]:
        lines.append("steps reordered")
    return lines
