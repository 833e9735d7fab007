"""The API's own response models: errors (RFC 9457 problems) and pages of a list.

The models of the records themselves are their domain's (``recoup.<domain>.schemas``).
"""

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


# Errors (RFC 9457) -----------------------------------------------------------------------


class FieldProblem(BaseModel):
    """One thing wrong with the request: the field (and the row of a bulk request)."""

    field: str = Field(description="The field, e.g. `due_date` or `body.items.0.total`")
    reason: str
    row: int | None = Field(default=None, description="Index of the item in a bulk request")


class Problem(BaseModel):
    """An error, as ``application/problem+json`` (RFC 9457)."""

    type: str = Field(default="about:blank", description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str = ""
    instance: str = Field(default="", description="The request path")
    errors: list[FieldProblem] = Field(default_factory=list)


# Pages -----------------------------------------------------------------------------------


class Page(BaseModel, Generic[T]):
    """One page of a list; ask again with ``cursor=next_cursor`` for the next one."""

    data: list[T]
    next_cursor: str | None = Field(description="None on the last page")
