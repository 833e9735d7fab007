"""Which customers a user may open and act on — the one rule, asked by the web routes
and the case services alike.

Collectors work their own accounts (customers whose ``collector`` is their email) and the
unassigned ones; managers, admins and viewers (who can only read) see every customer of
their organisation. Tenancy is a separate, earlier filter: every query is already scoped
to the user's organisation.

The web request binds the logged-in user's scope to its database session
(``bind``); services that open a customer ask ``check_customer``. A session with no scope
bound (the CLI, the daily run, workers) acts for the whole organisation.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from recoup.auth.models import Role
from recoup.errors import NotFound

_SESSION_KEY = "recoup.scope"


@dataclass(frozen=True, slots=True)
class Scope:
    """The customers a user may open: every one (``collector`` None), or those assigned
    to ``collector`` and the unassigned ones."""

    collector: str | None = None

    def covers(self, assigned: str | None) -> bool:
        """Whether a customer assigned to ``assigned`` (empty: nobody) is in scope.

        >>> Scope("ann@x.example").covers("ANN@x.example "), Scope("ann@x.example").covers("")
        (True, True)
        >>> Scope("ann@x.example").covers("bob@x.example"), Scope().covers("bob@x.example")
        (False, True)
        """
        if self.collector is None:
            return True
        owner = (assigned or "").strip().casefold()
        return owner in ("", self.collector.strip().casefold())

    @property
    def assignees(self) -> tuple[str, ...] | None:
        """The ``collector`` values in scope (None: any)."""
        return None if self.collector is None else (self.collector, "")


EVERYONE = Scope()


def scope_for(role: Role | str, email: str) -> Scope:
    """The scope of a user with ``role`` and ``email``.

    >>> scope_for("collector", "ann@x.example")
    Scope(collector='ann@x.example')
    >>> scope_for("manager", "meg@x.example") == EVERYONE
    True
    """
    return Scope(email) if Role(role) is Role.COLLECTOR else EVERYONE


def bind(session: Session, scope: Scope) -> None:
    """Make ``scope`` the one every service asks for the rest of ``session``'s work."""
    session.info[_SESSION_KEY] = scope


def current(session: Session) -> Scope:
    """The scope bound to ``session`` (everyone when none is)."""
    found = session.info.get(_SESSION_KEY, EVERYONE)
    return found if isinstance(found, Scope) else EVERYONE


def check_customer(session: Session, *, customer_id: int, assigned: str | None) -> None:
    """Refuse (``NotFound``, as for another organisation's customer) a customer outside
    the session's scope; ``assigned`` is the customer's ``collector``."""
    if not current(session).covers(assigned):
        raise NotFound(f"no customer with id {customer_id}")
