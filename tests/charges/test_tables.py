"""Reference-rate tables: the shipped files hold the published figures; bad files are
refused with every problem's line and field."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recoup.charges.tables import (
    RateFileRejected,
    parse_rate_table,
    read_rate_file,
    shipped_table,
    shipped_table_names,
)
from recoup.errors import InvalidInput

D = Decimal


def test_shipped_tables_load_and_name_their_source() -> None:
    assert shipped_table_names() == (
        "at_basiszins", "boe_base", "de_basiszins", "ecb_mro", "nbp_ref"
    )  # fmt: skip
    assert "oenb.at" in shipped_table("at_basiszins").source
    assert "nbp.pl" in shipped_table("nbp_ref").source
    assert "ecb.europa.eu" in shipped_table("ecb_mro").source
    assert "bankofengland.co.uk" in shipped_table("boe_base").source
    assert "bundesbank.de" in shipped_table("de_basiszins").source


@pytest.mark.parametrize(
    ("table", "day", "rate"),
    [
        ("ecb_mro", date(2022, 7, 26), "0.00"),
        ("ecb_mro", date(2022, 7, 27), "0.50"),
        ("ecb_mro", date(2023, 12, 31), "4.50"),
        ("ecb_mro", date(2024, 6, 12), "4.25"),
        ("ecb_mro", date(2025, 6, 11), "2.15"),
        ("boe_base", date(2020, 3, 19), "0.10"),
        ("boe_base", date(2023, 6, 30), "5.00"),
        ("boe_base", date(2023, 12, 31), "5.25"),
        ("boe_base", date(2025, 8, 7), "4.00"),
        ("de_basiszins", date(2022, 12, 31), "-0.88"),
        ("de_basiszins", date(2023, 1, 1), "1.62"),
        ("de_basiszins", date(2025, 7, 1), "1.27"),
    ],
)
def test_shipped_figures(table: str, day: date, rate: str) -> None:
    assert shipped_table(table).in_force_on(day).rate_percent == D(rate)


def test_the_german_base_rate_moves_only_on_1_january_and_1_july() -> None:
    days = [change.effective_from for change in shipped_table("de_basiszins").changes]
    assert all((day.month, day.day) in {(1, 1), (7, 1)} for day in days)


def test_every_problem_is_reported_with_its_line_and_field() -> None:
    text = (
        "# source: test\n"
        "effective_from,rate_percent\n"
        "2024-01-01,3.62\n"
        "2024-13-01,3.37\n"  # line 4: no month 13
        "2024-07-01,3,37\n"  # line 5: decimal comma splits the row
        "2025-01-01,abc\n"  # line 6
        "2024-01-01,3.00\n"  # line 7: duplicate of line 3
        "2025-07-01,1.27 %\n"  # a percent sign is fine
        "2026-01-01,127\n"  # line 9: out of range
        "2026-07-01,1.23456\n"  # line 10: too many decimals
    )
    with pytest.raises(RateFileRejected) as raised:
        parse_rate_table(text, name="de_basiszins", file="rates.csv")
    assert raised.value.message == "rates.csv: 6 problems found; no rates were stored"
    assert [str(p) for p in raised.value.problems] == [
        "line 4, effective_from: '2024-13-01' is not a date (YYYY-MM-DD)",
        "line 5: expected 2 fields (date,rate), got 3",
        "line 6, rate_percent: 'abc' is not a percentage such as 3.25 or -0.88",
        "line 7, effective_from: 2024-01-01 is also on line 3",
        "line 9, rate_percent: 127 is out of range (-100 to 100); a rate of 3.25 % is 3.25",
        "line 10, rate_percent: 1.23456 has more than 4 decimals",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("date,rate\n2024-01-01,1\n", "line 1: the header must be effective_from,rate_percent"),
        ("# only a comment\n", "file: no header (effective_from,rate_percent) and no rates"),
        ("effective_from,rate_percent\n", "file: no rates"),
    ],
)
def test_header_and_empty_files(text: str, problem: str) -> None:
    with pytest.raises(RateFileRejected) as raised:
        parse_rate_table(text, name="ecb_mro")
    assert [str(p) for p in raised.value.problems] == [problem]


def test_rows_may_come_in_any_order_and_negative_rates_are_allowed() -> None:
    table = parse_rate_table(
        "effective_from,rate_percent\n2023-01-01,1.62\n2016-07-01,-0.88\n", name="de_basiszins"
    )
    assert [c.rate_percent for c in table.changes] == [D("-0.88"), D("1.62")]


def test_a_users_file_names_its_table(tmp_path: Path) -> None:
    named = tmp_path / "ecb_mro.csv"
    named.write_text("effective_from,rate_percent\n2025-07-01,2.15\n")
    assert read_rate_file(named).name == "ecb_mro"
    other = tmp_path / "new-rates.csv"
    other.write_text("effective_from,rate_percent\n2025-07-01,2.15\n")
    assert read_rate_file(other, table="ecb_mro").name == "ecb_mro"
    with pytest.raises(InvalidInput, match="'new-rates' is not a table name"):
        read_rate_file(other)
    with pytest.raises(InvalidInput, match="no rate table 'fed_funds'"):
        read_rate_file(other, table="fed_funds")
