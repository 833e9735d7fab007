"""Query and header parameters shared by the API's routes."""

from typing import Annotated

from fastapi import Header, Path, Query

from recoup.api.listing import MAX_LIMIT

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page")]
CursorParam = Annotated[
    str | None, Query(max_length=500, description="`next_cursor` of the previous page")
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=255,
        description="Any unique string; a retry with the same key and body gets the first "
        "answer again",
    ),
]
IdFilter = Annotated[int | None, Query(ge=1, le=2**62)]
NO_NUL = r"^[^\x00]*$"  # no database stores NUL characters
Short = Annotated[str | None, Query(max_length=64, pattern=NO_NUL)]
Text = Annotated[str | None, Query(max_length=254, pattern=NO_NUL)]
RecordId = Annotated[int, Path(ge=1, le=2**62, description="The record's id")]
