"""The API's value sets, apart from its tables so that its core stays pure."""

from enum import StrEnum


class Scope(StrEnum):
    """What a token may do: ``read`` GETs, ``write`` also POST/PATCH, ``admin`` all."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"
