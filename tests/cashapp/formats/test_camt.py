"""camt.052/053/054: the real files of other importers and files written here for each
message version and variant; every field of every line asserted."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recoup.cashapp.formats import StatementError, detect, read
from recoup.cashapp.statement import Statement, StatementLine
from recoup.errors import InvalidInput

DATA = Path(__file__).parents[1] / "data" / "bank"


def test_camt053_real_statement_every_field() -> None:
    (statement,) = read((DATA / "camt053_oca.xml").read_bytes())
    assert statement == Statement(
        format="camt053",
        account_iban="NL77ABNA0574908765",
        account_number="NL77ABNA0574908765",
        currency="EUR",
        statement_id="1234Test/1",
        opening_balance=Decimal("15568.27"),
        closing_balance=Decimal("15121.12"),
        opening_date=date(2014, 1, 5),
        closing_date=date(2014, 1, 5),
        lines=statement.lines,
    )
    day = date(2014, 1, 5)
    assert statement.lines == (
        # A direct debit we paid: the counterparty is the creditor.
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("754.25"),
            currency="EUR",
            credit=False,
            end_to_end_id="435005714488-ABNO33052620",
            remittance="Insurance policy 857239PERIOD 01.01.2014 - 31.12.2014",
            payer_name="INSURANCE COMPANY TESTX",
            payer_iban="NL46ABNA0499998748",
            payer_bic="ABNANL2A",
            bank_code="PMNT/RDDT/ESDD",
        ),
        # A reversed batch of two returned direct debits (AC06): one line each.
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("564.05"),
            currency="EUR",
            credit=False,
            end_to_end_id="TESTBANK/NL/20141229/01206408",
            remittance="Direct Debit S14 0410",
            payer_name="Test Customer",
            payer_iban="NL46ABNA0499998748",
            payer_bic="ABNANL2A",
            bank_code="PMNT/IDDT/UPDD",
            return_reason="AC06",
            returned_end_to_end_id="TESTBANK/NL/20141229/01206408",
            reversal=True,
        ),
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("100.00"),
            currency="EUR",
            credit=False,
            end_to_end_id="TESTBANK/NL/20141229/01206407",
            remittance="Direct Debit S14 0410",
            payer_name="Test Customer",
            payer_iban="NL46ABNA0499998748",
            payer_bic="ABNANL2A",
            bank_code="PMNT/IDDT/UPDD",
            return_reason="AC06",
            returned_end_to_end_id="TESTBANK/NL/20141229/01206407",
            reversal=True,
        ),
        # A credit transfer in without remittance: the bank's own text stands in.
        StatementLine(
            booking_date=day,
            value_date=day,
            amount=Decimal("1405.31"),
            currency="EUR",
            credit=True,
            end_to_end_id="115",
            remittance="#RD PARTY MEDIA CUSNO 90782 4210773",
            payer_name="3rd party Media",
            payer_iban="NL69ABNA0522123643",
            payer_bic="ABNANL2A",
            bank_code="PMNT/RCDT/ESCT",
        ),
    )


def test_camt053_real_batch_booking_is_one_line_per_transaction() -> None:
    (statement,) = read((DATA / "camt053_oca_txdtls.xml").read_bytes())
    assert (statement.account_iban, statement.currency, statement.statement_id) == (
        "CH1111000000123456789",
        "CHF",
        "20170323123456789012345",
    )
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("75960.15"),
        Decimal("79443.15"),
    )
    assert (statement.opening_date, statement.closing_date) == (
        date(2017, 3, 22),
        date(2017, 3, 23),
    )
    text = (
        "CRÉDIT GROUPÉ BVR TRAITEMENT DU 22.03.2017 NUMÉRO CLIENT 01-70884-3 "
        "PAQUET ID: 123456CHCAFEBABE"
    )
    common = {
        "booking_date": date(2017, 3, 22),
        "value_date": date(2017, 3, 23),
        "currency": "CHF",
        "credit": True,
        "remittance": text,
        "payer_name": "Banque Cantonale Vaudoise",
        "bank_code": "PMNT/RCDT/AUTT",
    }
    # Both transactions carry the same AcctSvcrRef: their place in the batch tells
    # them apart, the same way on every import of the file.
    assert statement.lines == (
        StatementLine(
            amount=Decimal("2187.00"),
            bank_id="123456CHCAFEBABE/1",
            creditor_reference="302388292000011111111111111",
            payer_iban="CH2222000000123456789",
            payer_bic="POFICHBEXXX",
            **common,  # type: ignore[arg-type]
        ),
        StatementLine(
            amount=Decimal("1296.00"),
            bank_id="123456CHCAFEBABE/2",
            creditor_reference="302388292000022222222222222",
            payer_iban="CH3333000000123456789",
            payer_bic="POFICHBEYYY",
            **common,  # type: ignore[arg-type]
        ),
    )
    assert sum(line.amount for line in statement.lines) == Decimal("3483.00")


def test_camt054_real_notification() -> None:
    data = (DATA / "camt054_oca.xml").read_bytes()
    assert detect(data) == "camt054"
    (statement,) = read(data)
    assert statement == Statement(
        format="camt054",
        account_iban="NL77ABNA0574908765",
        account_number="NL77ABNA0574908765",
        currency="EUR",
        statement_id="20220120000000000000000",
        lines=(
            StatementLine(
                booking_date=date(2022, 1, 26),
                value_date=date(2022, 1, 26),
                amount=Decimal("5.00"),
                currency="EUR",
                credit=True,
                bank_id="15180015077602405",
                end_to_end_id="ENDTOENDID-01",
                creditor_reference="000000000000000000000000003",
                remittance="Additional entry info",
                payer_name="Test Customer",
                payer_iban="NL46ABNA0499998748",
                bank_code="PMNT/RCDT/ATXN",
            ),
        ),
    )


# --- Files written here: one statement, every version -------------------------------


def _party(version: int, role: str, name: str, iban: str, bic: str) -> str:
    # A party's name sits in <Pty> from version 08 on; the BIC is BICFI from 04.
    party = f"<Nm>{name}</Nm>"
    if version >= 8:
        party = f"<Pty>{party}</Pty>"
    bic_tag = "BICFI" if version >= 4 else "BIC"
    return (
        f"<RltdPties><{role}>{party}</{role}><{role}Acct><Id><IBAN>{iban}</IBAN></Id>"
        f"</{role}Acct></RltdPties><RltdAgts><{role}Agt><FinInstnId><{bic_tag}>{bic}"
        f"</{bic_tag}></FinInstnId></{role}Agt></RltdAgts>"
    )


def _transaction(version: int, amount: str, body: str) -> str:
    # The transaction's amount: <AmtDtls><TxAmt> before version 03, <Amt> after.
    if version >= 3:
        money = f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
    else:
        money = f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>'
    return f"<TxDtls>{money}{body}</TxDtls>"


def camt(kind: str, version: int, entries: str, *, balances: bool = True) -> bytes:
    message, item = {
        "052": ("BkToCstmrAcctRpt", "Rpt"),
        "053": ("BkToCstmrStmt", "Stmt"),
        "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    }[kind]
    balance = (
        '<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt>'
        "<CdtDbtInd>{mark}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
    )
    balance_xml = (
        balance.format(code="OPBD", amount="100.00", mark="DBIT", day="2026-11-30")
        + balance.format(code="CLBD", amount="1195.00", mark="CRDT", day="2026-12-01")
        if balances
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns='
        f'"urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.{version:02d}">'
        f"<{message}><GrpHdr><MsgId>M1</MsgId></GrpHdr><{item}><Id>S-{kind}-{version}</Id>"
        "<Acct><Id><IBAN>DE89 3704 0044 0532 0130 00</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{balance_xml}{entries}</{item}></{message}></Document>"
    ).encode()


def entry(version: int, *, amount: str, mark: str, details: str, status: str = "BOOK") -> str:
    status_xml = f"<Sts><Cd>{status}</Cd></Sts>" if version >= 9 else f"<Sts>{status}</Sts>"
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{mark}</CdtDbtInd>{status_xml}'
        "<BookgDt><Dt>2026-12-01</Dt></BookgDt><ValDt><Dt>2026-12-02</Dt></ValDt>"
        "<AcctSvcrRef>BOOKING-1</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd>"
        f"<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls>{details}</NtryDtls></Ntry>"
    )


def batch_of_two(version: int) -> str:
    first = _transaction(
        version,
        "1000.00",
        "<Refs><AcctSvcrRef>TX-1</AcctSvcrRef><EndToEndId>E2E-1</EndToEndId></Refs>"
        + _party(version, "Dbtr", "Müller  GmbH", "DE02120300000000202051", "BYLADEM1001")
        + "<RmtInf><Strd><CdtrRefInf><Ref>RF18 5390 0754 7034</Ref></CdtrRefInf></Strd>"
        "</RmtInf>",
    )
    second = _transaction(
        version,
        "195.00",
        "<Refs><AcctSvcrRef>TX-2</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
        + _party(version, "Dbtr", "Acme Ltd", "GB29NWBK60161331926819", "NWBKGB2L")
        + "<RmtInf><Ustrd>INV 1042/1057</Ustrd><Ustrd>thanks</Ustrd><Strd><RfrdDocInf>"
        "<Nb>INV-1060</Nb></RfrdDocInf></Strd></RmtInf>",
    )
    return entry(version, amount="1195.00", mark="CRDT", details=first + second)


@pytest.mark.parametrize("version", range(2, 10))
def test_camt053_every_version_reads_the_same_batch(version: int) -> None:
    data = camt("053", version, batch_of_two(version))
    assert detect(data, "statement.xml") == "camt053"
    (statement,) = read(data)
    assert statement == Statement(
        format="camt053",
        account_iban="DE89370400440532013000",
        account_number="DE89370400440532013000",
        currency="EUR",
        statement_id=f"S-053-{version}",
        opening_balance=Decimal("-100.00"),
        closing_balance=Decimal("1195.00"),
        opening_date=date(2026, 11, 30),
        closing_date=date(2026, 12, 1),
        lines=(
            StatementLine(
                booking_date=date(2026, 12, 1),
                value_date=date(2026, 12, 2),
                amount=Decimal("1000.00"),
                currency="EUR",
                credit=True,
                bank_id="TX-1",
                end_to_end_id="E2E-1",
                creditor_reference="RF18539007547034",
                payer_name="Müller GmbH",
                payer_iban="DE02120300000000202051",
                payer_bic="BYLADEM1001",
                bank_code="PMNT/RCDT/ESCT",
            ),
            StatementLine(
                booking_date=date(2026, 12, 1),
                value_date=date(2026, 12, 2),
                amount=Decimal("195.00"),
                currency="EUR",
                credit=True,
                bank_id="TX-2",
                remittance="INV 1042/1057 thanks INV-1060",
                payer_name="Acme Ltd",
                payer_iban="GB29NWBK60161331926819",
                payer_bic="NWBKGB2L",
                bank_code="PMNT/RCDT/ESCT",
            ),
        ),
    )


@pytest.mark.parametrize("kind", ["052", "054"])
def test_camt052_and_054_read_like_053(kind: str) -> None:
    data = camt(kind, 8, batch_of_two(8), balances=False)
    assert detect(data) == f"camt{kind}"
    (statement,) = read(data, format=f"camt{kind}")
    assert statement.format == f"camt{kind}"
    assert statement.currency == "EUR"  # from <Acct><Ccy>, there being no balance
    assert (statement.opening_balance, statement.closing_balance) == (None, None)
    assert [(line.bank_id, line.amount) for line in statement.lines] == [
        ("TX-1", Decimal("1000.00")),
        ("TX-2", Decimal("195.00")),
    ]


def test_a_pending_entry_is_no_line_yet() -> None:
    pending = entry(
        9,
        amount="50.00",
        mark="CRDT",
        status="PDNG",
        details=_transaction(9, "50.00", "<Refs><AcctSvcrRef>P-1</AcctSvcrRef></Refs>"),
    )
    booked = entry(
        9,
        amount="20.00",
        mark="CRDT",
        details=_transaction(9, "20.00", "<Refs><AcctSvcrRef>B-1</AcctSvcrRef></Refs>"),
    )
    (statement,) = read(camt("052", 9, pending + booked))
    assert [line.bank_id for line in statement.lines] == ["B-1"]


def test_a_returned_direct_debit_names_the_customer_and_the_reason() -> None:
    # Our collection of 80.00 came back: we are the creditor, the customer the debtor.
    body = (
        "<Refs><AcctSvcrRef>RET-7</AcctSvcrRef><EndToEndId>DD-2026-0042</EndToEndId></Refs>"
        '<Amt Ccy="EUR">80.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
        "<RltdPties><Dbtr><Nm>Acme Ltd</Nm></Dbtr><DbtrAcct><Id><IBAN>GB29NWBK60161331926819"
        "</IBAN></Id></DbtrAcct><Cdtr><Nm>Us</Nm></Cdtr><CdtrAcct><Id><IBAN>"
        "DE89370400440532013000</IBAN></Id></CdtrAcct></RltdPties>"
        "<RmtInf><Ustrd>INV-1042</Ustrd></RmtInf><RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf>"
    )
    returned = entry(5, amount="80.00", mark="DBIT", details=f"<TxDtls>{body}</TxDtls>")
    (statement,) = read(camt("053", 5, returned, balances=False))
    assert statement.lines == (
        StatementLine(
            booking_date=date(2026, 12, 1),
            value_date=date(2026, 12, 2),
            amount=Decimal("80.00"),
            currency="EUR",
            credit=False,
            bank_id="RET-7",
            end_to_end_id="DD-2026-0042",
            remittance="INV-1042",
            payer_name="Acme Ltd",
            payer_iban="GB29NWBK60161331926819",
            bank_code="PMNT/RCDT/ESCT",
            return_reason="MD06",
            returned_end_to_end_id="DD-2026-0042",
        ),
    )


def test_an_entry_without_details_is_one_line_with_the_entry_reference() -> None:
    bare = (
        '<Ntry><Amt Ccy="EUR">2.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><DtTm>2026-12-01T23:10:00+01:00</DtTm></BookgDt>"
        "<AcctSvcrRef>FEE-12</AcctSvcrRef><BkTxCd><Prtry><Cd>CHRG</Cd></Prtry></BkTxCd>"
        "<AddtlNtryInf>Account fee  December</AddtlNtryInf></Ntry>"
    )
    (statement,) = read(camt("053", 2, bare, balances=False))
    assert statement.lines == (
        StatementLine(
            booking_date=date(2026, 12, 1),
            amount=Decimal("2.50"),
            currency="EUR",
            credit=False,
            bank_id="FEE-12",
            remittance="Account fee December",
            bank_code="CHRG",
        ),
    )


# --- Files that must be refused, with the reason ------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<Document><BkToCstmrStmt><Stmt>", "not well-formed XML"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
            b"<CstmrCdtTrfInitn/></Document>",
            "<CstmrCdtTrfInitn> is not a camt.052, camt.053 or camt.054 message",
        ),
        (
            camt("053", 1, ""),
            "camt.053: message version 01 is not supported (02 to 13 are)",
        ),
        (
            camt("053", 4, entry(4, amount="10.00", mark="CRED", details="")),
            "camt.053 statement S-053-4, entry 1: credit/debit mark 'CRED' is neither "
            "CRDT nor DBIT",
        ),
        (
            camt(
                "053",
                4,
                entry(
                    4,
                    amount="1000.00",
                    mark="CRDT",
                    details=_transaction(4, "600.00", "") + _transaction(4, "300.00", ""),
                ),
            ),
            "camt.053 statement S-053-4, entry 1: its 2 transactions add up to 900.00, "
            "not to the entry's 1000.00",
        ),
        (
            camt("053", 4, entry(4, amount="ten", mark="CRDT", details="")),
            "amount 'ten' is not a number",
        ),
    ],
)
def test_malformed_camt_is_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(StatementError, match=re.escape(message)) as raised:
        read(data, format="camt053")
    assert isinstance(raised.value, InvalidInput)
    assert isinstance(raised.value, ValueError)


def test_a_camt053_is_not_read_as_a_camt054() -> None:
    with pytest.raises(StatementError, match=r"the file is a camt053, not a camt054"):
        read((DATA / "camt053_oca.xml").read_bytes(), format="camt054")


def test_entity_expansion_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        b"<BkToCstmrStmt><Stmt><Id>&b;</Id></Stmt></BkToCstmrStmt></Document>"
    )
    with pytest.raises(StatementError, match="not well-formed XML"):
        read(bomb)
