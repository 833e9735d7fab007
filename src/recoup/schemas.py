"""The building blocks of every request and response model (the domains' ``schemas``).

Amounts are decimal strings in the row's currency (``"1200.50"``), never floats; dates
are ISO 8601. Response models are built from the domain's rows by ``of`` (minor units to
decimals through ``recoup.money``, here in ``amount_text``). This module imports only
pydantic and ``recoup.money``, so that a domain's schemas never import the API.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from recoup import money

AmountText = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,13}(\.[0-9]{1,4})?$",
        description='A decimal amount as a string, e.g. "1200.50"',
        examples=["1200.50"],
    ),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217", examples=["EUR"])]
Id = Annotated[int, Field(ge=1, le=2**62)]
Text200 = Annotated[str, Field(max_length=200)]


def amount_text(minor: int | None, currency: str) -> str | None:
    """``minor`` units of ``currency`` as a decimal string (None stays None)."""
    return None if minor is None else str(money.from_minor(minor, currency))


class Closed(BaseModel):
    """Request bodies refuse fields they do not know (a typo is an error, not ignored)
    and text with NUL characters (no database stores them)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("must not contain NUL characters")
        return value
