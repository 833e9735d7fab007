"""OFX/QFX: the real files of another importer and an OFX 1.x (SGML) file written here."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recoup.cashapp.formats import StatementError, detect, read
from recoup.cashapp.statement import Statement, StatementLine

DATA = Path(__file__).parents[1] / "data" / "bank"


def test_ofx2_real_file_every_field() -> None:
    data = (DATA / "ofx_oca.ofx").read_bytes()
    assert detect(data) == "ofx"
    bank, card = read(data)
    day = date(2013, 8, 24)
    assert bank == Statement(
        format="ofx",
        account_iban="",
        account_number="123456",
        currency="USD",
        closing_balance=Decimal("2156.56"),
        opening_date=date(2013, 8, 1),
        # 16:51:53 Pacific time is still the 31st, whatever UTC says.
        closing_date=date(2013, 8, 31),
        lines=tuple(
            StatementLine(
                booking_date=day,
                amount=Decimal(amount),
                currency="USD",
                credit=False,
                bank_id=fitid,
                payer_name=name,
                bank_code="POS",
            )
            for amount, fitid, name in [
                ("80", "219378", "Agrolait"),
                ("90", "219379", "China Export"),
                ("100", "219380", "Axelor Scuba"),
                ("90", "219381", "China Scuba"),
            ]
        ),
    )
    # The credit-card statement of the same file, without transactions.
    assert card == Statement(
        format="ofx",
        account_iban="",
        account_number="123412341234",
        currency="USD",
        closing_balance=Decimal("-562.00"),
        closing_date=date(2013, 8, 31),
    )


def test_ofx2_real_file_with_a_french_account() -> None:
    bank, _card = read((DATA / "ofx_oca_iban.ofx").read_bytes(), format="ofx")
    assert (bank.account_number, len(bank.lines)) == ("12345678901", 4)


def test_ofx_real_wrong_file_is_refused() -> None:
    with pytest.raises(StatementError, match=r"OFX: not a valid OFX file \(Tail text '-->'"):
        read((DATA / "ofx_oca_wrong.ofx").read_bytes())


SGML = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>
<DTSERVER>20261202080000<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>GBP
<BANKACCTFROM><BANKID>601613<ACCTID>GB29NWBK60161331926819<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20261201<DTEND>20261202
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261201120000[0:GMT]<DTAVAIL>20261202
<TRNAMT>1234,50<FITID>FIT-1<NAME>ACME LTD<MEMO>INV-1042 INV-1057
<BANKACCTTO><BANKID>200000<ACCTID>GB33BUKB20201555555555<ACCTTYPE>CHECKING</BANKACCTTO>
</STMTTRN>
<STMTTRN><TRNTYPE>FEE<DTPOSTED>20261202<TRNAMT>-2.50<FITID>FIT-2<NAME>BANK CHARGE
</STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>5232.00<DTASOF>20261202</LEDGERBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
"""


def test_ofx1_sgml_every_field() -> None:
    # A European bank's decimal comma (1234,50) is allowed by the OFX specification.
    data = SGML.replace("\n", "\r\n").encode("cp1252")
    assert detect(data, "download.qfx") == "ofx"
    (statement,) = read(data, filename="download.qfx")
    assert statement == Statement(
        format="ofx",
        account_iban="GB29NWBK60161331926819",
        account_number="GB29NWBK60161331926819",
        currency="GBP",
        closing_balance=Decimal("5232.00"),
        opening_date=date(2026, 12, 1),
        closing_date=date(2026, 12, 2),
        lines=(
            StatementLine(
                booking_date=date(2026, 12, 1),
                value_date=date(2026, 12, 2),
                amount=Decimal("1234.50"),
                currency="GBP",
                credit=True,
                bank_id="FIT-1",
                remittance="INV-1042 INV-1057",
                payer_name="ACME LTD",
                payer_iban="GB33BUKB20201555555555",
                bank_code="CREDIT",
            ),
            StatementLine(
                booking_date=date(2026, 12, 2),
                amount=Decimal("2.50"),
                currency="GBP",
                credit=False,
                bank_id="FIT-2",
                payer_name="BANK CHARGE",
                bank_code="FEE",
            ),
        ),
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("<CURDEF>GBP\n", "", "OFX statement 1: no currency (CURDEF)"),
        ("<TRNAMT>-2.50", "", "OFX statement 1, transaction 2 (BANK CHARGE): no amount (TRNAMT)"),
        (
            "<DTPOSTED>20261202<",
            "<DTPOSTED>2026-12-02<",
            "OFX statement 1, transaction 2 (BANK CHARGE): DTPOSTED '2026-12-02' is not a date",
        ),
        ("<TRNAMT>-2.50", "<TRNAMT>two", "transaction 2 (BANK CHARGE): amount 'two' is not a"),
        ("<ACCTID>GB29NWBK60161331926819", "", "OFX statement 1: no account"),
    ],
)
def test_malformed_ofx_is_refused_with_the_transaction(old: str, new: str, message: str) -> None:
    assert old in SGML
    with pytest.raises(StatementError, match=re.escape(message)):
        read(SGML.replace(old, new).encode(), format="ofx")
