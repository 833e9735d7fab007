"""Every page the README's table names answers, for each role as the table says."""

import re
from pathlib import Path

import pytest

from tests.web.support import World, log_in, make_client

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES = ("admin", "manager", "collector", "viewer")


def pages() -> list[tuple[str, str, set[str]]]:
    """(page, address, roles that may open it) from the README's pages table."""
    text = README.read_text()
    table = text.split("The pages (every one is requested", 1)[1].split("\n\n", 2)[1]
    found = []
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        address = re.fullmatch(r"`(/[^`]*)`", cells[1])
        assert address, f"no address in {line!r}"
        who = set(ROLES) if cells[2] == "everyone" else {r.strip() for r in cells[2].split(",")}
        assert who <= set(ROLES), cells[2]
        found.append((cells[0], address.group(1), who))
    return found


def test_the_table_is_read() -> None:
    names = [name for name, _, _ in pages()]
    assert {"dashboard", "disputes", "promises", "tasks", "users"} <= set(names)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_the_readme_answers(world: World, role: str) -> None:
    client = make_client(world)
    log_in(client, f"{role}@alpha.example")
    for name, address, who in pages():
        url = address.replace("ID", str(world.a.customers["C1"]))
        response = client.get(url)
        expected = 200 if role in who else 403
        assert response.status_code == expected, (name, url, response.text[:300])
