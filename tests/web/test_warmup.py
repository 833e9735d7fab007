"""``recoup serve`` makes the whole ledger's kept sums before anyone asks
(``recoup.web.warmup``): at start and when the day turns, for every organisation, so
the first visit of a day reads kept sums instead of summing a million invoices."""

import threading
from datetime import date, timedelta

from recoup.web import figures, warmup
from tests.web.support import AS_OF, World, log_in, make_client


def _kept(world: World) -> set[tuple[int, str]]:
    """(organisation, figure) of the sums kept for the world's database."""
    url = str(world.engine.url)
    return {(key[1], str(key[2])) for key in figures._summed if key[0] == url}


def test_warm_makes_every_organisations_sums(world: World) -> None:
    figures.forget()
    assert warmup.warm(world.engine, AS_OF) >= 2
    kept = _kept(world)
    for org in (world.a, world.b):
        assert {figure for org_id, figure in kept if org_id == org.id} >= {"open_since"}
        assert len([1 for org_id, _ in kept if org_id == org.id]) >= 3  # aging, accounts, ...


def test_after_warming_the_first_visit_sums_nothing_whole(world: World) -> None:
    figures.forget()
    warmup.warm(world.engine, AS_OF)
    made = dict(figures._summed)
    assert made
    client = make_client(world)
    log_in(client, "manager@alpha.example")
    assert client.get("/").status_code == 200
    assert client.get("/worklist").status_code == 200
    assert client.get("/assignments").status_code == 200
    # The pages read the sums warming made (brought up to date in place), and made none.
    assert set(figures._summed) == set(made)
    assert all(figures._summed[key] is kept for key, kept in made.items())


def test_keep_warm_makes_them_again_when_the_day_turns(world: World) -> None:
    days = iter([AS_OF, AS_OF, AS_OF + timedelta(days=1)])
    seen: list[date] = []
    stop = threading.Event()

    def clock() -> date:
        day = next(days, None)
        if day is None:
            stop.set()
            return seen[-1]
        seen.append(day)
        return day

    figures.forget()
    warmup.keep_warm(world.engine, clock, stop, every=0)
    assert seen == [AS_OF, AS_OF, AS_OF + timedelta(days=1)]
    assert _kept(world)
