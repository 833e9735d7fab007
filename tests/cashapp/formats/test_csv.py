"""CSV statements through column profiles: the real sample of another importer and files
written here for each variant (decimal comma, date orders, credit/debit columns,
encodings, skipped title rows)."""

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.cashapp.formats import CsvProfile, StatementError, detect, read
from recoup.cashapp.statement import Statement, StatementLine
from recoup.errors import InvalidInput

DATA = Path(__file__).parents[1] / "data" / "bank"

OCA = CsvProfile(
    name="oca-sample",
    date="Date",
    amount="Amount",
    reference="Label",
    payer="Partner Name",
    iban="Bank Account",
    currency="USD",
    date_order="mdy",
)


def test_real_sample_with_us_dates_and_thousands_separators() -> None:
    data = (DATA / "csv_oca_sample_statement.csv").read_bytes()
    assert detect(data, "csv_oca_sample_statement.csv") == "csv"
    assert read(data, profile=OCA) == (
        Statement(
            format="csv",
            account_iban="",
            account_number="",
            currency="USD",
            lines=(
                StatementLine(
                    booking_date=date(2018, 12, 15),
                    amount=Decimal("33.50"),
                    currency="USD",
                    credit=False,
                    remittance="Your best supplier on 12/15/2018",
                    # "123456789" is no IBAN: left out.
                    payer_name="John Doe",
                ),
                StatementLine(
                    booking_date=date(2018, 12, 15),
                    amount=Decimal("1525.00"),
                    currency="USD",
                    credit=True,
                    remittance="Your payment on 12/15/2018",
                    payer_name="Azure Interior",
                ),
            ),
        ),
    )


GERMAN_BANK = """Umsatzanzeige;Konto DE89 3704 0044 0532 0130 00
Zeitraum: 01.12.2026 - 02.12.2026;
Buchungstag;Valuta;Empfänger/Zahlungspflichtiger;IBAN;Verwendungszweck;Soll;Haben;Währung;Vorgang
01.12.26;02.12.26;Müller GmbH;DE02 1203 0000 0000 2020 51;RF18 5390 0754 7034  INV-1042;;1.234,56;EUR;TX-1
02.12.26;02.12.26;Bank;;Kontoführung;-2,50;;EUR;TX-2

"""

GERMAN_PROFILE = CsvProfile(
    name="sparkasse",
    date="Buchungstag",
    value_date="Valuta",
    credit="Haben",
    debit="Soll",
    reference="Verwendungszweck",
    payer="Empfänger/Zahlungspflichtiger",
    iban="IBAN",
    currency_column="Währung",
    bank_id="Vorgang",
    decimal_comma=True,
    date_order="dmy",
    delimiter=";",
    encoding="cp1252",
    skip_rows=2,
    account_iban="DE89 3704 0044 0532 0130 00",
)


def test_credit_and_debit_columns_decimal_comma_cp1252_title_rows() -> None:
    data = GERMAN_BANK.encode("cp1252")
    assert read(data, profile=GERMAN_PROFILE) == (
        Statement(
            format="csv",
            account_iban="DE89370400440532013000",
            account_number="DE89370400440532013000",
            currency="EUR",
            lines=(
                StatementLine(
                    booking_date=date(2026, 12, 1),
                    value_date=date(2026, 12, 2),
                    amount=Decimal("1234.56"),
                    currency="EUR",
                    credit=True,
                    bank_id="TX-1",
                    remittance="RF18 5390 0754 7034 INV-1042",
                    payer_name="Müller GmbH",
                    payer_iban="DE02120300000000202051",
                ),
                StatementLine(
                    booking_date=date(2026, 12, 2),
                    value_date=date(2026, 12, 2),
                    amount=Decimal("2.50"),
                    currency="EUR",
                    credit=False,
                    bank_id="TX-2",
                    remittance="Kontoführung",
                    payer_name="Bank",
                ),
            ),
        ),
    )


def test_columns_by_number_iso_dates_and_a_sniffed_tab() -> None:
    text = (
        "when\tsigned\twhat\n"
        "2026-12-01\t(12.00)\trefund\n"
        "2026-12-02\t1'200.00\tINV 1042/1057\n"
        "20261203\t+7\tinterest\n"
    )
    profile = CsvProfile(name="by-number", date="1", amount="2", reference="3", currency="CHF")
    (statement,) = read(text.encode(), profile=profile, format="csv")
    assert [
        (line.booking_date, line.amount, line.credit, line.remittance) for line in statement.lines
    ] == [
        (date(2026, 12, 1), Decimal("12.00"), False, "refund"),
        (date(2026, 12, 2), Decimal("1200.00"), True, "INV 1042/1057"),
        (date(2026, 12, 3), Decimal("7"), True, "interest"),
    ]


def test_utf8_with_a_byte_order_mark() -> None:
    text = "\ufeffDate,Amount,Payer\n3/1/2026,-5.00,Zoë\n"
    profile = CsvProfile(name="bom", date="date", amount="AMOUNT", payer="Payer", date_order="mdy")
    (statement,) = read(text.encode("utf-8"), profile=profile)
    (line,) = statement.lines
    assert (line.booking_date, line.amount, line.credit, line.payer_name) == (
        date(2026, 3, 1),
        Decimal("5.00"),
        False,
        "Zoë",
    )


@pytest.mark.parametrize(
    ("text", "profile", "message"),
    [
        (
            "Date,Amount\n01/02/2026,10.00\n",
            CsvProfile(name="p", date="Datum", amount="Amount"),
            "CSV line 1: no column 'Datum' (date); the columns are: date, amount",
        ),
        (
            "Date,Amount\n01/02/2026,10.00\n31/02/2026,1.00\n",
            CsvProfile(name="p", date="Date", amount="Amount"),
            "CSV line 3: '31/02/2026' is not a date in the order dmy",
        ),
        (
            "Date,Amount\n01/02/2026,ten\n",
            CsvProfile(name="p", date="Date", amount="Amount"),
            "CSV line 2: 'ten' is not an amount",
        ),
        (
            "Date;Amount\n01.02.2026;10,5\n",
            CsvProfile(name="p", date="Date", amount="Amount", delimiter=";"),
            "CSV line 2: '10,5' is not an amount (decimal comma? set decimal_comma)",
        ),
        (
            "Date,In,Out\n01/02/2026,5.00,3.00\n",
            CsvProfile(name="p", date="Date", credit="In", debit="Out"),
            "CSV line 2: an amount in both the credit (5.00) and the debit (3.00) column",
        ),
        (
            "Date,In,Out\n01/02/2026,,\n",
            CsvProfile(name="p", date="Date", credit="In", debit="Out"),
            "CSV line 2: no amount in the credit or the debit column",
        ),
        (
            "Date,Amount\n,10.00\n",
            CsvProfile(name="p", date="Date", amount="Amount"),
            "CSV line 2: no date in column 'Date'",
        ),
        (
            "Date,Amount\n01/02/2026,10.00\n",
            CsvProfile(name="p", date="1", amount="3"),
            "CSV line 1: the file has 2 columns, not a column 3 (amount)",
        ),
    ],
)
def test_bad_rows_are_refused_with_their_line(text: str, profile: CsvProfile, message: str) -> None:
    with pytest.raises(StatementError, match=re.escape(message)):
        read(text.encode(), profile=profile, format="csv")


def test_a_wrong_encoding_names_the_line_and_the_fix() -> None:
    data = "Date,Amount,Payer\n01/02/2026,1.00,A\n01/02/2026,2.00,Müller\n".encode("cp1252")
    profile = CsvProfile(name="p", date="Date", amount="Amount", payer="Payer")
    with pytest.raises(
        StatementError,
        match=re.escape("CSV line 3: not readable as utf-8 (byte 0xfc); set the profile's"),
    ):
        read(data, profile=profile)


def test_a_csv_file_needs_a_profile() -> None:
    with pytest.raises(StatementError, match="a CSV statement needs a profile"):
        read((DATA / "csv_oca_sample_statement.csv").read_bytes())


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"amount": ""}, "amount"),
        ({"credit": "In"}, "amount"),
        ({"date_order": "ydm"}, "date_order"),
        ({"delimiter": ";;"}, "delimiter"),
        ({"currency": "euro"}, "currency"),
        ({"encoding": "klingon"}, "encoding"),
        ({"skip_rows": -1}, "skip_rows"),
        ({"skip_footer": -2}, "skip_footer"),
        ({"amount": "", "credit": "In", "direction": "S/H"}, "direction"),
        ({"name": " "}, "name"),
    ],
)
def test_an_impossible_profile_is_refused(settings: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"name": "p", "date": "Date", "amount": "Amount", **settings}
    with pytest.raises(InvalidInput) as raised:
        CsvProfile.from_dict(values)
    assert raised.value.field == field


def test_profile_round_trips_through_a_dict_and_refuses_unknown_or_mistyped_keys() -> None:
    assert CsvProfile.from_dict(GERMAN_PROFILE.to_dict()) == GERMAN_PROFILE
    assert GERMAN_PROFILE.to_dict()["decimal_comma"] is True
    with pytest.raises(InvalidInput, match="unknown profile settings: colour"):
        CsvProfile.from_dict({**OCA.to_dict(), "colour": "blue"})
    with pytest.raises(InvalidInput, match="decimal_comma: must be a bool"):
        CsvProfile.from_dict({**OCA.to_dict(), "decimal_comma": "yes"})
    with pytest.raises(InvalidInput, match="skip_rows: must be a int"):
        CsvProfile.from_dict({**OCA.to_dict(), "skip_rows": True})


@given(
    cents=st.integers(min_value=-(10**11), max_value=10**11),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    decimal_comma=st.booleans(),
    order=st.sampled_from(["dmy", "mdy", "ymd"]),
    grouped=st.booleans(),
)
def test_any_amount_and_date_written_by_a_profile_reads_back(
    cents: int, day: date, decimal_comma: bool, order: str, grouped: bool
) -> None:
    amount = Decimal(cents).scaleb(-2)
    written = f"{abs(amount):,.2f}" if grouped else f"{abs(amount):.2f}"
    if decimal_comma:
        written = written.replace(",", " ").replace(".", ",").replace(" ", ".")
    written = ("-" if amount < 0 else "") + written
    when = {
        "dmy": f"{day.day:02d}.{day.month:02d}.{day.year}",
        "mdy": f"{day.month}/{day.day}/{day.year}",
        "ymd": day.isoformat(),
    }[order]
    profile = CsvProfile(
        name="p",
        date="Date",
        amount="Amount",
        decimal_comma=decimal_comma,
        date_order=order,
        delimiter=";",
    )
    (statement,) = read(f"Date;Amount\n{when};{written}\n".encode(), profile=profile)
    (line,) = statement.lines
    assert line.booking_date == day
    assert (line.amount if line.credit else -line.amount) == amount


SOLL_HABEN = """Kontoauszug
Buchung;Betrag;S/H;Text
01.12.2026;100,00;H;"Zahlung
INV-1042"
01.12.2026;1.000,00;S;Miete
02.12.2026;5,00;X;?
Endsaldo;;;
"""


def test_direction_column_multi_line_text_and_a_footer() -> None:
    profile = CsvProfile(
        name="volksbank",
        date="Buchung",
        amount="Betrag",
        direction="S/H",
        reference="Text",
        decimal_comma=True,
        skip_rows=1,
        skip_footer=1,
    )
    good = SOLL_HABEN.replace("02.12.2026;5,00;X;?\n", "")
    (statement,) = read(good.encode(), profile=profile)
    assert [(line.amount, line.credit, line.remittance) for line in statement.lines] == [
        (Decimal("100.00"), True, "Zahlung INV-1042"),
        (Decimal("1000.00"), False, "Miete"),
    ]
    # The bad row is on line 6: the quoted text before it spans lines 3 and 4.
    with pytest.raises(
        StatementError, match=re.escape("CSV line 6: 'X' in column 'S/H' says neither debit")
    ):
        read(SOLL_HABEN.encode(), profile=profile)
    # Without skip_footer the closing balance row is refused, naming it.
    with pytest.raises(StatementError, match=re.escape("CSV line 6: 'Endsaldo' is not a date")):
        read(good.encode(), profile=replace(profile, skip_footer=0))
