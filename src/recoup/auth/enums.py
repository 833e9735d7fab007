"""The roles a user can have (pure: no tables here, so cores may import them)."""

from enum import StrEnum


class Role(StrEnum):
    """What a user is to the collections team; ``recoup.auth.core.PERMISSIONS`` says
    what each may do."""

    ADMIN = "admin"
    MANAGER = "manager"
    COLLECTOR = "collector"
    VIEWER = "viewer"
