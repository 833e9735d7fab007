"""Database plumbing shared by every domain: the declarative base, engines, transactions."""

from recoup.db.base import Base, OrgScoped, utcnow
from recoup.db.engine import make_engine, transaction

__all__ = ["Base", "OrgScoped", "make_engine", "transaction", "utcnow"]
