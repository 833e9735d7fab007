"""The README's column tables are the importer's own field definitions."""

import re
from pathlib import Path

from recoup.imports.columns import Kind, markdown

README = Path(__file__).parents[2] / "README.md"


def test_readme_tables_match_the_column_definitions() -> None:
    text = README.read_text(encoding="utf-8")
    for kind in Kind:
        heading = f"#### `recoup import {kind}`\n\n"
        assert heading in text, f"README has no section {heading.strip()}"
        block = text.split(heading, 1)[1]
        table = "\n".join(re.match(r"((?:\|.*\n)+)", block + "\n")[1].splitlines())  # type: ignore[index]
        assert table == markdown(kind), (
            f"README's table for {kind} differs from the code: "
            "regenerate it with `python -m recoup.imports.columns --markdown`"
        )


def test_every_column_the_customers_import_stores_is_documented() -> None:
    table = markdown(Kind.CUSTOMERS)
    for name in ("address", "sales_owner", "do_not_contact", "legal_hold", "postal_line1"):
        assert f"| `{name}` |" in table
