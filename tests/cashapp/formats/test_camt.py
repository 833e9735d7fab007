"""camt.052/053/054: the real files of other importers and files written here for each
message version and variant; every field of every line asserted."""

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


# --- Property: whatever a bank writes in a camt.053 batch reads back ----------------

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"),
    max_size=40,
)
IBANS = ["DE02120300000000202051", "GB29NWBK60161331926819", "NL91ABNA0417164300"]


def _sub(parent: ET.Element, path: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = parent
    for tag in path.split("/"):
        element = ET.SubElement(element, tag)
    element.attrib.update(attributes)
    if text is not None:
        element.text = text
    return element


@given(
    version=st.integers(min_value=2, max_value=9),
    transactions=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**11),  # cents
            st.booleans(),  # credit
            TEXT,  # payer name
            st.sampled_from(IBANS),
            TEXT,  # remittance
            st.from_regex(r"[A-Za-z0-9/-]{1,30}", fullmatch=True),  # end-to-end id
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_any_batch_reads_back_line_for_line(
    version: int, transactions: list[tuple[int, bool, str, str, str, str]]
) -> None:
    document = ET.Element(
        "Document", xmlns=f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}"
    )
    statement = _sub(document, "BkToCstmrStmt/Stmt")
    _sub(statement, "Id", "S1")
    _sub(statement, "Acct/Id/IBAN", "DE89370400440532013000")
    entry = _sub(statement, "Ntry")
    total = sum(cents if credit else -cents for cents, credit, *_ in transactions)
    _sub(entry, "Amt", str(Decimal(abs(total)).scaleb(-2)), Ccy="EUR")
    _sub(entry, "CdtDbtInd", "CRDT" if total >= 0 else "DBIT")
    _sub(entry, "Sts/Cd" if version >= 9 else "Sts", "BOOK")
    _sub(entry, "BookgDt/Dt", "2026-12-01")
    details = _sub(entry, "NtryDtls")
    for number, (cents, credit, name, iban, text, end_to_end) in enumerate(transactions):
        detail = _sub(details, "TxDtls")
        _sub(detail, "Refs/AcctSvcrRef", f"TX-{number}")
        _sub(detail, "Refs/EndToEndId", end_to_end)
        amount = str(Decimal(cents).scaleb(-2))
        if version >= 3:
            _sub(detail, "Amt", amount, Ccy="EUR")
        else:
            _sub(detail, "AmtDtls/TxAmt/Amt", amount, Ccy="EUR")
        _sub(detail, "CdtDbtInd", "CRDT" if credit else "DBIT")
        role = "Dbtr" if credit else "Cdtr"
        _sub(detail, f"RltdPties/{role}/Pty/Nm" if version >= 8 else f"RltdPties/{role}/Nm", name)
        _sub(detail, f"RltdPties/{role}Acct/Id/IBAN", iban)
        _sub(detail, "RmtInf/Ustrd", text)
    (read_back,) = read(ET.tostring(document, encoding="utf-8"))
    assert [
        (
            line.amount,
            line.credit,
            line.payer_name,
            line.payer_iban,
            line.remittance,
            line.end_to_end_id,
            line.bank_id,
        )
        for line in read_back.lines
    ] == [
        (
            Decimal(cents).scaleb(-2),
            credit,
            " ".join(name.split()),
            iban,
            " ".join(text.split()),
            "" if end_to_end.upper() == "NOTPROVIDED" else end_to_end,
            f"TX-{number}",
        )
        for number, (cents, credit, name, iban, text, end_to_end) in enumerate(transactions)
    ]


def test_a_batch_that_does_not_add_up_is_one_line_for_the_money_booked() -> None:
    # 600 + 300 is not the 1,000.00 booked (or one is in another currency): the
    # account moved by 1,000.00, so that is the line; the texts go with it.
    for second in ("300.00", "400.00"):
        details = _transaction(4, "600.00", "<RmtInf><Ustrd>INV-1</Ustrd></RmtInf>") + (
            _transaction(4, second, "<RmtInf><Ustrd>INV-2</Ustrd></RmtInf>")
        )
        if second == "400.00":
            details = details.replace('<Amt Ccy="EUR">400.00', '<Amt Ccy="USD">400.00')
        (statement,) = read(
            camt("053", 4, entry(4, amount="1000.00", mark="CRDT", details=details))
        )
        assert [(line.amount, line.bank_id, line.remittance) for line in statement.lines] == [
            (Decimal("1000.00"), "BOOKING-1", "INV-1 INV-2")
        ]


def test_several_creditor_references_in_one_payment() -> None:
    body = (
        "<Refs><AcctSvcrRef>TX-9</AcctSvcrRef></Refs>"
        "<RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd>"
        "<Strd><CdtrRefInf><Ref>RF71 2348 231</Ref></CdtrRefInf></Strd></RmtInf>"
    )
    details = _transaction(6, "70.00", body)
    (statement,) = read(camt("053", 6, entry(6, amount="70.00", mark="CRDT", details=details)))
    (line,) = statement.lines
    assert (line.creditor_reference, line.remittance) == ("RF18539007547034", "RF71 2348 231")


def test_prefixed_namespaces_and_an_application_header_envelope() -> None:
    plain = camt("053", 8, batch_of_two(8)).decode()
    body = plain.split("?>", 1)[1].strip()
    prefixed = re.sub(r"<(/?)(\w+)", r"<\1c:\2", body).replace(" xmlns=", " xmlns:c=")
    enveloped = (
        '<?xml version="1.0"?><BizMsgEnvlp xmlns="urn:iso:std:iso:20022:tech:xsd:envelope">'
        '<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"><MsgDefIdr>'
        f"camt.053.001.08</MsgDefIdr></AppHdr>{prefixed}</BizMsgEnvlp>"
    )
    for data in (prefixed, enveloped):
        assert detect(data.encode()) == "camt053"
        (statement,) = read(data.encode())
        assert [line.bank_id for line in statement.lines] == ["TX-1", "TX-2"]
    old = enveloped.replace("camt.053.001.08", "camt.053.001.01")
    with pytest.raises(StatementError, match="message version 01 is not supported"):
        read(old.encode())
