"""MT940: the real files of other importers and files written here for each :86:
layout (German ?-subfields, Dutch /KEY/, free text), returns and reversals."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recoup.cashapp.formats import StatementError, detect, read
from recoup.cashapp.statement import Statement, StatementLine

DATA = Path(__file__).parents[1] / "data" / "bank"


def read_file(name: str) -> tuple[Statement, ...]:
    data = (DATA / name).read_bytes()
    assert detect(data, name) == "mt940"
    return read(data, filename=name)


def test_ing_dutch_layout_every_field() -> None:
    (statement,) = read_file("mt940_oca_ing.940")
    assert statement == Statement(
        format="mt940",
        account_iban="NL77INGB0574908765",
        account_number="NL77INGB0574908765EUR",
        currency="EUR",
        statement_id="P140220000000001 00000",
        opening_balance=Decimal("662.23"),
        closing_balance=Decimal("564.35"),
        opening_date=date(2014, 2, 19),
        closing_date=date(2014, 2, 20),
        lines=statement.lines,
    )
    day = date(2014, 2, 20)
    ing = {"payer_iban": "NL32INGB0000012345", "payer_bic": "INGBNL2A"}
    assert statement.lines == (
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("1.56"),
            currency="EUR",
            credit=True,
            bank_id="00000000001005",
            end_to_end_id="EV12341REP1231456T1234",
            remittance="EV10001REP1000000T1000",
            payer_name="ING BANK NV INZAKE WEB",
            bank_code="NTRF",
            **ing,
        ),
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("1.57"),
            currency="EUR",
            credit=False,
            bank_id="00000000001006",
            remittance="TOTAAL 1 VZ",
            bank_code="NTRF",
        ),
        # A returned payment (transaction type RTI, /RTRN/ reason MS03).
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("1.57"),
            currency="EUR",
            credit=True,
            bank_id="00000000001007",
            end_to_end_id="20120123456789",
            remittance="Factuurnr 123456 Klantnr 00123",
            payer_name="J.Janssen",
            bank_code="NRTI",
            return_reason="MS03",
            returned_end_to_end_id="20120123456789",
            **ing,
        ),
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("1.14"),
            currency="EUR",
            credit=False,
            bank_id="00000000001009",
            end_to_end_id="EV123REP123412T1234",
            remittance="EV123REP123412T1234",
            payer_name="ING Bank N.V. inzake WeB",
            bank_code="NDDT",
            **ing,
        ),
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("1.45"),
            currency="EUR",
            credit=True,
            bank_id="00000000001008",
            remittance="TOTAAL 1 POSTEN",
            bank_code="NDDT",
        ),
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("12.75"),
            currency="EUR",
            credit=False,
            bank_id="00000000001010",
            end_to_end_id="20120501P0123478",
            remittance="CONTRIBUTIE FEB 2014",
            payer_name="J.Janssen",
            bank_code="NRTI",
            return_reason="MS03",
            returned_end_to_end_id="20120501P0123478",
            **ing,
        ),
        # /REMI/STRD/CUR/: the structured (creditor) reference.
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("32.00"),
            currency="EUR",
            credit=True,
            bank_id="00000000001011",
            end_to_end_id="15814016000676480",
            creditor_reference="9001123412341234",
            payer_name="J.Janssen",
            bank_code="NTRF",
            **ing,
        ),
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("119.00"),
            currency="EUR",
            credit=False,
            bank_id="00000000001012",
            end_to_end_id="15614016000384600",
            creditor_reference="1070123412341234",
            payer_name="INGBANK NV",
            bank_code="NTRF",
            **ing,
        ),
    )
    opening = statement.opening_balance or Decimal(0)
    movements = sum(line.amount if line.credit else -line.amount for line in statement.lines)
    assert opening + movements == statement.closing_balance


def test_rabobank_ordp_and_benm_with_balance_only_statements() -> None:
    statements = read_file("mt940_oca_rabo.swi")
    assert [(s.statement_id, len(s.lines)) for s in statements] == [
        ("940S140102 0", 1),
        ("940S140103 0", 0),
        ("940S140106 0", 1),
        ("940S140107 0", 0),
    ]
    assert {(s.account_iban, s.account_number) for s in statements} == {
        ("NL34RABO0142623393", "NL34RABO0142623393 EUR")
    }
    assert [(s.opening_balance, s.closing_balance) for s in statements] == [
        (Decimal("4433.52"), Decimal("4833.52")),
        (Decimal("4833.52"), Decimal("4833.52")),
        (Decimal("4833.52"), Decimal("4798.91")),
        (Decimal("4798.91"), Decimal("4798.91")),
    ]
    assert statements[0].lines == (
        StatementLine(
            booking_date=date(2014, 1, 2),
            value_date=date(2014, 1, 2),
            amount=Decimal("400.00"),
            currency="EUR",
            credit=True,
            remittance="Test money paid by other partner:",
            payer_name="R. SMITH",
            payer_iban="NL66RABO0160878799",
            bank_code="N541",
        ),
    )
    assert statements[2].lines == (
        StatementLine(
            booking_date=date(2014, 1, 1),
            value_date=date(2014, 1, 1),
            amount=Decimal("34.61"),
            currency="EUR",
            credit=False,
            remittance="Periode 01-10-2013 t/m 31-12-2013",
            payer_name="Kosten",
            bank_code="N093",
        ),
    )


def test_sns_counterparty_first_in_the_details() -> None:
    statements = read_file("mt940_oca_sns.940")
    assert [(s.statement_id, len(s.lines)) for s in statements] == [
        ("0000000000 361/1", 4),
        ("0000000000 362/1", 2),
        ("0000000000 363/1", 2),
    ]
    # The last statement of the file has no closing balance.
    assert statements[2].closing_balance is None
    first = statements[0]
    assert (first.account_iban, first.opening_balance, first.closing_balance) == (
        "NL05SNSB0908244436",
        Decimal("3026.96"),
        Decimal("2264.52"),
    )
    day = date(2017, 12, 27)
    assert first.lines[0] == StatementLine(
        booking_date=day,
        value_date=day,
        amount=Decimal("713.13"),
        currency="EUR",
        credit=False,
        remittance="Factuur 17227/248/20",
        payer_name="gerrits glas en schilderwerk",
        payer_iban="NL49RABO0166416932",
        bank_code="NOVB",
    )
    assert first.lines[1] == StatementLine(
        booking_date=day,
        value_date=day,
        amount=Decimal("10.18"),
        currency="EUR",
        credit=False,
        bank_id="228ohu/972795",
        remittance="Jumbo Wijchen B.V. >WIJCHEN 27.12.2017 13U38 KV005 4XZJ4Z M CC:5411 "
        "Contactloze betaling",
        bank_code="NBEA",
    )
    assert statements[1].lines[1].amount == 0


def test_german_sepa_returns_batches_and_reversals() -> None:
    statements = read_file("mt940_de_sepa_returns.sta")
    assert len(statements) == 26
    assert sum(len(s.lines) for s in statements) == 97
    first = statements[0]
    assert (first.account_iban, first.account_number, first.statement_id) == (
        "",
        "50880050/0194774600888",
        "T089413946000001 00004/00001",
    )
    assert (first.opening_balance, first.closing_balance) == (
        Decimal("-1234718.36"),
        Decimal("-1237628.23"),
    )
    day = date(2007, 9, 4)
    # A returned credit transfer: money back in, not a customer's payment.
    assert first.lines[0] == StatementLine(
        booking_date=day,
        value_date=day,
        amount=Decimal("300"),
        currency="EUR",
        credit=True,
        bank_id="0724710345313905",
        end_to_end_id="TFNR 40005 00005",
        remittance="MTLG:Grund nicht spezifiziert Reject aus SEPA-Ueberweisungsauftrag",
        bank_code="159 RETOURE",
        return_reason="914",
        returned_end_to_end_id="TFNR 40005 00005",
    )
    assert first.lines[4].return_reason == "903"
    assert first.lines[4].remittance == (
        "MTLG:Konto gesperrt Rueckueberweisung aus SEPA-Ueberweisungsauftrag"
    )
    # A batch booking (SAMMLER) and its reversal (RC: reversal of a credit, money out).
    assert first.lines[3] == StatementLine(
        booking_date=day,
        value_date=day,
        amount=Decimal("66295.08"),
        currency="EUR",
        credit=True,
        remittance="0904059001",
        bank_code="079 SAMMLER",
    )
    assert first.lines[5] == StatementLine(
        booking_date=day,
        value_date=day,
        amount=Decimal("204.88"),
        currency="EUR",
        credit=False,
        remittance="0904059003",
        bank_code="079 SAMMLER/STORNO",
        return_reason="RTI",
        reversal=True,
    )
    # An incoming SEPA credit with the payer's IBAN, BIC and name in ?30-?33.
    credit = statements[2].lines[1]
    assert credit == StatementLine(
        booking_date=day,
        value_date=day,
        amount=Decimal("125.88"),
        currency="EUR",
        credit=True,
        bank_id="0724710290635078",
        remittance="TO13 TF20018 MINT",
        payer_name="Cornelia Prochownik 70 Zeichen BeginnFuellzeichen xxx",
        payer_iban="CH8500779014054431109",
        payer_bic="NIKACH22XXX",
        bank_code="166 GUTSCHRIFT",
    )


def test_german_details_wrapped_mid_word_keep_their_text() -> None:
    (statement,) = read_file("mt940_malformed_details.sta")
    assert (statement.account_number, statement.account_iban) == (
        "12345678/1020304050",
        "DE20123456781020304050",
    )
    (line,) = statement.lines
    assert line == StatementLine(
        booking_date=date(2017, 9, 14),
        value_date=date(2017, 9, 14),
        amount=Decimal("233.15"),
        currency="EUR",
        credit=False,
        end_to_end_id="123/123/12345-----L1101234567890123",
        remittance="STEUERNR 123/123/12345 KOERPST 3VJ.17 233,15EUR EREF: "
        "123/123/12345-----L1112345678912345 MREF: BYA12345678901 CRED: DE99ZZZ00000012345 "
        "IBAN: DE00700500 000000012345 BIC: BYLADEMMABWA: Finanzamt Muenchen "
        "ABWA+Finanzamt Sentinel",
        payer_name="Finanzamt Muenchen Abteilung Erhebung",
        payer_iban="DE99700500000000012345",
        payer_bic="BYLADEMM",
        # ?34 992 extends the posting key of a direct debit: no return.
        bank_code="105 Basislastschrift",
    )


def test_abn_amro_free_text() -> None:
    first, second = read_file("mt940_nl_abnamro.sta")
    assert (first.account_number, first.statement_id, len(first.lines)) == (
        "517852257",
        "ABN AMRO BANK NV 19321/1",
        8,
    )
    assert first.lines[0] == StatementLine(
        booking_date=date(2011, 5, 24),
        value_date=date(2011, 5, 24),
        amount=Decimal("9"),
        currency="EUR",
        credit=False,
        remittance="GIRO 428428 KPN - DIGITENNE BETALINGSKENM. 000000042188659 5314606715 "
        "BETREFT FACTUUR D.D. 20-05-2011 INCL. 1,44 BTW",
        bank_code="N192",
    )
    # Booked on the 23rd (entry date), valued on the 21st.
    assert (first.lines[1].booking_date, first.lines[1].value_date) == (
        date(2011, 5, 23),
        date(2011, 5, 21),
    )
    assert (second.opening_balance, second.closing_balance) == (
        Decimal("2876.84"),
        Decimal("1849.75"),
    )


def test_postfinance_and_mbank() -> None:
    first, second = read_file("mt940_ch_postfinance.sta")
    assert (first.currency, first.opening_balance, second.closing_balance) == (
        "CHF",
        Decimal("0"),
        Decimal("159.6"),
    )
    assert first.lines[0] == StatementLine(
        booking_date=date(2013, 12, 9),
        value_date=date(2013, 12, 9),
        amount=Decimal("79.7"),
        currency="CHF",
        credit=True,
        remittance="GIRO AUS ONLINE-SIC 80532 AUFTRAGGEBER: JANE DOE EXAMPLESTRASSE 10 1234 "
        "XXXX 131209CH98765432 MITTEILUNGEN: RECHNUNG XXXXXXXXXXXX",
        bank_code="FMSC",
    )
    (mbank,) = read_file("mt940_pl_mbank.sta")
    assert (mbank.account_iban, mbank.currency, mbank.statement_id) == (
        "PL29114010810000267002001002",
        "PLN",
        "ST170119CYC/1 1/1",
    )
    assert [line.bank_id for line in mbank.lines] == [
        "MB170119012058",
        "MB170119012085",
        "MB170119012121",
    ]
    assert {(line.payer_name, line.payer_iban) for line in mbank.lines} == {
        ("JAN NOWAK", "PL56114010810000267002001001")
    }
    assert mbank.lines[0].remittance == (
        "911 TRANSAKCJA COLLECT; ID IPH: XX000000000001; Z RACH.: 56114010810000267002001001; "
        "OD: JAN NOWAK UL. NIJAKA 1 M 2 31-234 KRAKOW; TYT.: PRZELEW SRODKOW ; "
        "TNR: 179171073864111.010001"
    )


# --- Files written here, one per layout ---------------------------------------------

GERMAN = """:20:STARTUMSE
:25:10020030/1234567890
:28C:00001/001
:60F:C261130EUR1000,00
:61:2612011201C1234,56NTRFNONREF//BANKREF-1
:86:166?00SEPA-GUTSCHRIFT?109310?20EREF+INV-2026-0042?21SVWZ+RF18 5390 0754 7034 Rec
?22hnung INV-1042?30COBADEFFXXX?31DE02120300000000202051?32Mueller Maschi?33nenbau GmbH
:61:2612021202D80,00NRTINONREF//BANKREF-2
:86:109?00RUECKLASTSCHRIFT?109310?20EREF+DD-0007?21SVWZ+INV-1050?30BYLADEM1001?31DE89370
400440532013000?32Acme Ltd?34901
:62F:C261202EUR2154,56
-
"""


def test_german_subfields_and_a_returned_direct_debit() -> None:
    (statement,) = read(GERMAN.encode("cp1252"))
    assert statement == Statement(
        format="mt940",
        # Bank code 10020030 and account 1234567890 are this German IBAN.
        account_iban="DE54100200301234567890",
        account_number="10020030/1234567890",
        currency="EUR",
        statement_id="STARTUMSE 00001/001",
        opening_balance=Decimal("1000.00"),
        closing_balance=Decimal("2154.56"),
        opening_date=date(2026, 11, 30),
        closing_date=date(2026, 12, 2),
        lines=(
            StatementLine(
                booking_date=date(2026, 12, 1),
                value_date=date(2026, 12, 1),
                amount=Decimal("1234.56"),
                currency="EUR",
                credit=True,
                bank_id="BANKREF-1",
                end_to_end_id="INV-2026-0042",
                remittance="RF18 5390 0754 7034 Rechnung INV-1042",
                payer_name="Mueller Maschinenbau GmbH",
                payer_iban="DE02120300000000202051",
                payer_bic="COBADEFFXXX",
                bank_code="166 SEPA-GUTSCHRIFT",
            ),
            StatementLine(
                booking_date=date(2026, 12, 2),
                value_date=date(2026, 12, 2),
                amount=Decimal("80.00"),
                currency="EUR",
                credit=False,
                bank_id="BANKREF-2",
                end_to_end_id="DD-0007",
                remittance="INV-1050",
                payer_name="Acme Ltd",
                payer_iban="DE89370400440532013000",
                payer_bic="BYLADEM1001",
                bank_code="109 RUECKLASTSCHRIFT",
                return_reason="901",
                returned_end_to_end_id="DD-0007",
            ),
        ),
    )


DUTCH = """{1:F01RABONL2UXXXX0000000000}{2:O940RABONL2UXXXXN}{4:
:20:940S261201
:25:NL91ABNA0417164300 EUR
:28C:1
:60F:C261130EUR500,00
:61:261201C250,00N541NONREF
NL44RABO0123456789
:86:/EREF/E2E-77//ORDP//NAME/Jansen B.V./ADDR/Dorpsstraat 1 Utrecht/REMI/Factuur I
NV 1042/1057/ISDT/2026-12-01
:61:261201D40,00NRTIEREF//BANKREF-9
:86:/RTRN/MD06//EREF/DD-0008//CNTP/NL44RABO0123456789/RABONL2U/Jansen B.V./Utrecht///R
EMI/USTD//INV-1033/
:62F:C261201EUR710,00
-}{5:}
"""


def test_dutch_keywords_and_a_return() -> None:
    (statement,) = read(DUTCH.replace("\n", "\r\n").encode())
    assert (statement.account_iban, statement.account_number, statement.statement_id) == (
        "NL91ABNA0417164300",
        "NL91ABNA0417164300 EUR",
        "940S261201 1",
    )
    day = date(2026, 12, 1)
    assert statement.lines == (
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("250.00"),
            currency="EUR",
            credit=True,
            end_to_end_id="E2E-77",
            remittance="Factuur INV 1042/1057",
            payer_name="Jansen B.V.",
            payer_iban="NL44RABO0123456789",
            bank_code="N541",
        ),
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("40.00"),
            currency="EUR",
            credit=False,
            bank_id="BANKREF-9",
            end_to_end_id="DD-0008",
            remittance="INV-1033",
            payer_name="Jansen B.V.",
            payer_iban="NL44RABO0123456789",
            payer_bic="RABONL2U",
            bank_code="NRTI",
            return_reason="MD06",
            returned_end_to_end_id="DD-0008",
        ),
    )


FREE_TEXT = """:20:REF1
:25:123456789
:28C:5/1
:60F:D261130CHF100,50
:61:2612011201C1500,NMSCNONREF
:86:GIRO AUS KONTO 80-2-2 AUFTRAGGEBER: MÜLLER AG
 MITTEILUNGEN: RECHNUNG 2026-0042
:61:2612011201RD20,00NMSCNONREF//STORNO-1
:86:STORNO GEBUEHR
:62F:C261201CHF1419,50
-
"""


def test_free_text_and_a_reversal_of_a_debit() -> None:
    (statement,) = read(FREE_TEXT.encode("cp1252"), format="mt940")
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("-100.50"),
        Decimal("1419.50"),
    )
    day = date(2026, 12, 1)
    assert statement.lines == (
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("1500"),
            currency="CHF",
            credit=True,
            remittance="GIRO AUS KONTO 80-2-2 AUFTRAGGEBER: MÜLLER AG MITTEILUNGEN: "
            "RECHNUNG 2026-0042",
            bank_code="NMSC",
        ),
        # RD: the bank undoes a debit (a fee): money in, a correction.
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("20.00"),
            currency="CHF",
            credit=True,
            bank_id="STORNO-1",
            remittance="STORNO GEBUEHR",
            bank_code="NMSC",
            reversal=True,
        ),
    )


def test_a_repeated_bank_reference_is_told_apart() -> None:
    # A booking and its reversal under one reference.
    text = (
        ":20:R\n:25:NL91ABNA0417164300\n:28C:1\n:60F:C261130EUR0,00\n"
        ":61:261201C50,00NTRFNONREF//SAME-1\n:86:first\n"
        ":61:261201RC50,00NTRFNONREF//SAME-1\n:86:undone\n:62F:C261201EUR0,00\n"
    )
    (statement,) = read(text.encode())
    assert [(line.bank_id, line.credit, line.reversal) for line in statement.lines] == [
        ("SAME-1", True, False),
        ("SAME-1#2", False, True),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ((DATA / "mt940_oca_wrong.940").read_text(), "MT940 line 1: :9401: is not an MT940 field"),
        (
            ":20:X\n:25:1\n:28C:1\n:60F:C261130EUR1,00\n:61:26120X1201C5,00NTRFNONREF\n",
            "MT940 line 5: the :61: field cannot be read: '26120X1201C5,00NTRFNONREF'",
        ),
        (":20:X\n:28C:1\n:60F:C261130EUR1,00\n", "MT940 statement X: no account (:25:)"),
        (
            ":20:X\n:25:1\n:28C:1\n:61:2612011201C5,00NTRFNONREF\n",
            "MT940 statement X: no opening balance (:60F:) with a currency",
        ),
    ],
)
def test_malformed_mt940_is_refused_with_the_line(text: str, message: str) -> None:
    with pytest.raises(StatementError, match=re.escape(message)):
        read(text.encode(), format="mt940")


ABN_AMRO_SEPA = """ABNANL2A
940
ABNANL2A
:20:ABN AMRO BANK NV
:25:417164300
:28:27001/1
:60F:C261130EUR0,00
:61:2612011201C99,95N654NONREF
:86:/TRTP/SEPA OVERBOEKING/IBAN/DE02120300000000202051/BIC/BYLADEM1001
/NAME/Muller GmbH/REMI/Rechnung INV 1042/1057 Skonto/EREF/NOTPROVIDED
:62F:C261201EUR99,95
-
"""


def test_abn_amro_sepa_keywords() -> None:
    (statement,) = read(ABN_AMRO_SEPA.encode())
    assert statement.lines == (
        StatementLine(
            booking_date=date(2026, 12, 1),
            value_date=date(2026, 12, 1),
            amount=Decimal("99.95"),
            currency="EUR",
            credit=True,
            remittance="Rechnung INV 1042/1057 Skonto",
            payer_name="Muller GmbH",
            payer_iban="DE02120300000000202051",
            payer_bic="BYLADEM1001",
            bank_code="SEPA OVERBOEKING",
        ),
    )


def test_a_file_given_the_wrong_format_says_what_it_looks_like() -> None:
    with pytest.raises(
        StatementError, match=re.escape("(the file looks like camt053, not mt940)")
    ) as raised:
        read((DATA / "camt053_oca.xml").read_bytes(), format="mt940")
    assert raised.value.format == "mt940"


def test_the_line_named_is_the_files_own_even_after_wrapped_fields() -> None:
    text = (
        "{1:F01X}{2:O940X}{4:\n:20:X\n:25:1\n:28C:1\n:60F:C261130EUR1,00\n"
        ":61:2612011201C5,00NTRFEREF//0000\n0001\n/TRCD/X/\n"  # wrapped over three lines
        ":61:26120X1201C5,00NTRFNONREF\n-}"
    )
    with pytest.raises(StatementError, match=re.escape("MT940 line 9: the :61: field")):
        read(text.encode())


def test_swift_envelopes_with_nested_user_header_and_trailer() -> None:
    text = (
        "{1:F01ABNANL2AXXXX0000000000}{2:O9401200261201ABNANL2AXXXX00000000002612011200N}"
        "{3:{108:MT940 0001}}{4:\n:20:X\n:25:NL91ABNA0417164300\n:28C:1\n"
        ":60F:C261130EUR0,00\n:61:261201C5,00NTRFNONREF//B1\n:86:INV-1\n"
        ":62F:C261201EUR5,00\n-}{5:{CHK:ABCDEF123456}{TNG:}}\n"
    )
    (statement,) = read(text.encode())
    assert [(line.bank_id, line.remittance) for line in statement.lines] == [("B1", "INV-1")]
    assert statement.closing_balance == Decimal("5.00")
