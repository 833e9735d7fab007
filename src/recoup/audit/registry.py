"""Which mapped classes are audited: each models module marks its classes with
``@audited``; ``recoup.audit.service`` records their ORM writes after every flush.

The mark lives apart from the service so that a models module (the lowest layer of a
domain) imports no service. A flush that writes an audited class while the service is
not loaded would lose its audit events, so it is refused instead (``recording``).
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

_AUDITED_CLASSES: set[type[Any]] = set()
_recording = False


def audited(cls: type[Any]) -> type[Any]:
    """Register a mapped class whose ORM writes are recorded in the audit log."""
    _AUDITED_CLASSES.add(cls)
    return cls


def is_audited(obj: Any) -> bool:
    """Whether ``obj``'s ORM writes are recorded (its class is marked ``@audited``)."""
    return type(obj) in _AUDITED_CLASSES


def recording() -> None:
    """Called by the audit service when it is loaded: its listener records the writes."""
    global _recording
    _recording = True


@event.listens_for(Session, "after_flush")
def _refuse_unrecorded(session: Session, flush_context: UOWTransaction) -> None:
    if _recording:
        return
    written = (*session.new, *session.dirty, *session.deleted)
    if any(is_audited(obj) for obj in written):
        raise RuntimeError(
            "an audited record was written with recoup.audit.service not loaded: "
            "its audit events would be lost"
        )
