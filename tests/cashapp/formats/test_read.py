"""``read`` and ``detect`` over every real file: each one reads or is refused clearly."""

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.cashapp.formats import FORMATS, CsvProfile, StatementError, detect, read

DATA = Path(__file__).parents[1] / "data" / "bank"
WRONG = {
    "mt940_oca_wrong.940": "MT940 line 1: :9401: is not an MT940 field",
    "ofx_oca_wrong.ofx": "OFX: not a valid OFX file",
}
EXPECTED = {
    # file: (format, statements, lines, credits)
    "camt053_oca.xml": ("camt053", 1, 4, 1),
    "camt053_oca_txdtls.xml": ("camt053", 1, 2, 2),
    "camt054_oca.xml": ("camt054", 1, 1, 1),
    "csv_oca_sample_statement.csv": ("csv", 1, 2, 1),
    "mt940_ch_postfinance.sta": ("mt940", 2, 4, 3),
    "mt940_de_sepa_returns.sta": ("mt940", 26, 97, 41),
    "mt940_malformed_details.sta": ("mt940", 1, 1, 0),
    "mt940_nl_abnamro.sta": ("mt940", 2, 10, 0),
    "mt940_oca_ing.940": ("mt940", 1, 8, 4),
    "mt940_oca_rabo.swi": ("mt940", 4, 2, 1),
    "mt940_oca_sns.940": ("mt940", 3, 8, 1),
    "mt940_pl_mbank.sta": ("mt940", 1, 3, 3),
    "ofx_oca.ofx": ("ofx", 2, 4, 0),
    "ofx_oca_iban.ofx": ("ofx", 2, 4, 0),
}
CSV_PROFILE = CsvProfile(
    name="oca", date="Date", amount="Amount", reference="Label", currency="USD", date_order="mdy"
)


def test_every_real_file_is_listed_here() -> None:
    names = {path.name for path in DATA.iterdir() if path.suffix != ".md"}
    assert names == set(EXPECTED) | set(WRONG)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_real_file_reads(name: str) -> None:
    data = (DATA / name).read_bytes()
    kind, statements, lines, credits = EXPECTED[name]
    assert detect(data, name) == kind
    result = read(data, profile=CSV_PROFILE, filename=name)
    assert {statement.format for statement in result} == {kind}
    assert len(result) == statements
    every = [line for statement in result for line in statement.lines]
    assert (len(every), sum(line.credit for line in every)) == (lines, credits)
    assert all(line.amount >= 0 for line in every)
    ids = [line.bank_id for line in every if line.bank_id]
    assert len(ids) == len(set(ids))
    # Reading is deterministic: the same file gives the same ids (re-imports dedupe).
    assert read(data, profile=CSV_PROFILE, filename=name) == result


@pytest.mark.parametrize("name", sorted(WRONG))
def test_the_wrong_real_files_are_refused(name: str) -> None:
    with pytest.raises(StatementError, match=re.escape(WRONG[name])):
        read((DATA / name).read_bytes(), filename=name)


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (b"", {"filename": "empty.csv"}, "not a bank statement Recoup can read"),
        (b"   \n", {"format": "mt940"}, "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", {}, "not a bank statement Recoup can read"),
        (b"<html><body/></html>", {"filename": "x.xml"}, "an XML file that is neither"),
        (b"a,b\n1,2\n", {"format": "qif"}, "unknown format 'qif'; one of auto, camt052"),
    ],
)
def test_what_is_no_statement_is_refused(data: bytes, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(StatementError, match=re.escape(message)):
        read(data, **kwargs)  # type: ignore[arg-type]


def test_formats() -> None:
    assert FORMATS == ("camt052", "camt053", "camt054", "mt940", "ofx", "csv")


REAL = sorted(EXPECTED) + sorted(WRONG)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(REAL),
    cut=st.floats(min_value=0, max_value=1),
    junk=st.binary(max_size=8),
    where=st.floats(min_value=0, max_value=1),
)
def test_a_damaged_real_file_reads_or_is_refused_never_a_traceback(
    name: str, cut: float, junk: bytes, where: float
) -> None:
    # A download cut short, or a few bytes garbled: any outcome but a crash.
    data = (DATA / name).read_bytes()
    data = data[: int(len(data) * cut) or 1]
    at = int(len(data) * where)
    data = data[:at] + junk + data[at + len(junk) :]
    with contextlib.suppress(StatementError):
        read(data, profile=CSV_PROFILE, filename=name)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300), kind=st.sampled_from(("auto", *FORMATS)))
def test_any_bytes_read_or_are_refused_never_a_traceback(data: bytes, kind: str) -> None:
    with contextlib.suppress(StatementError):
        read(data, format=kind, profile=CSV_PROFILE)


def test_amounts_come_to_the_currencys_minor_unit_in_every_format() -> None:
    mt940 = read((DATA / "mt940_de_sepa_returns.sta").read_bytes())
    ofx = read((DATA / "ofx_oca.ofx").read_bytes())
    # MT940 "300," and OFX "-80" are 300.00 and 80.00: the same text as camt's amounts.
    assert [str(line.amount) for line in mt940[0].lines[:3]] == ["300.00", "335.33", "15000.00"]
    assert str(mt940[0].opening_balance) == "-1234718.36"
    assert [str(line.amount) for line in ofx[0].lines] == ["80.00", "90.00", "100.00", "90.00"]
    yen = CsvProfile(name="jp", date="Date", amount="Amount", currency="JPY", date_order="ymd")
    (statement,) = read(b"Date,Amount\n2026-12-01,1500\n", profile=yen)
    assert str(statement.lines[0].amount) == "1500"


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        (
            "Date,Amount\n2026-12-01,1.005\n",
            "EUR",
            "CSV line 2: 1.005 has more decimals than EUR allows",
        ),
        (
            "Date,Amount\n2026-12-01,1500.5\n",
            "JPY",
            "CSV line 2: 1500.5 has more decimals than JPY allows",
        ),
        (
            "Date,Amount,Ccy\n2026-12-01,15,XTS\n",
            "EUR",
            "CSV line 2: 'XTS' is not an ISO 4217 currency",
        ),
    ],
)
def test_an_amount_its_currency_cannot_hold_is_refused(
    text: str, currency: str, message: str
) -> None:
    profile = CsvProfile(
        name="p",
        date="Date",
        amount="Amount",
        currency=currency,
        currency_column="Ccy" if "Ccy" in text else "",
        date_order="ymd",
    )
    with pytest.raises(StatementError, match=re.escape(message)):
        read(text.encode(), profile=profile)


def test_a_statement_amount_finer_than_its_currency_is_refused() -> None:
    text = (
        ":20:X\n:25:NL91ABNA0417164300\n:28C:1\n:60F:C261130EUR0,00\n"
        ":61:2612011201C1,005NTRFNONREF\n:62F:C261201EUR1,005\n"
    )
    with pytest.raises(
        StatementError,
        match=re.escape(
            "MT940 statement X 1: transaction 1 (booked 2026-12-01): 1.005 has more decimals"
        ),
    ):
        read(text.encode())
