"""Which statement format a file is in, from its first bytes."""

import re

from recoup.cashapp.formats.errors import StatementError

FORMATS = ("camt052", "camt053", "camt054", "mt940", "ofx", "csv")

_CAMT = re.compile(rb"camt\.(05[234])\.")
_CAMT_MESSAGES = {
    b"BkToCstmrAcctRpt": "camt052",
    b"BkToCstmrStmt": "camt053",
    b"BkToCstmrDbtCdtNtfctn": "camt054",
}
_MT940_FIELD = re.compile(rb"^:(?:20|25|28C?|60[FM]|61):", re.MULTILINE)


def detect(data: bytes, filename: str = "") -> str:
    """The format of ``data`` (one of ``FORMATS``); ``filename`` only breaks ties.

    >>> detect(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">')
    'camt053'
    >>> detect(b":20:STARTUMS\\n:25:12345678/1020304050\\n:28C:0\\n")
    'mt940'
    >>> detect(b"OFXHEADER:100\\nDATA:OFXSGML\\n")
    'ofx'
    >>> detect(b"Date;Amount;Text\\n01.02.2026;12,50;INV-1\\n", "export.csv")
    'csv'
    """
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n\x01")
    if head.startswith(b"<") or b"<Document" in head:
        for tag, kind in _CAMT_MESSAGES.items():
            if b"<" + tag in head or b":" + tag in head:
                return kind
        version = _CAMT.search(head)
        if version:
            return "camt" + version.group(1).decode()
        if b"<OFX" in head.upper() or b"<?OFX" in head.upper():
            return "ofx"
    if head.upper().startswith(b"OFXHEADER") or b"<OFX>" in head.upper():
        return "ofx"
    if len(_MT940_FIELD.findall(data[:8192].replace(b"\r", b""))) >= 2:
        return "mt940"
    if filename.lower().endswith((".sta", ".940", ".mt940", ".swi")):
        return "mt940"
    if filename.lower().endswith((".ofx", ".qfx")):
        return "ofx"
    if filename.lower().endswith(".xml"):
        raise StatementError("an XML file that is neither camt.052, camt.053, camt.054 nor OFX")
    if b"\x00" not in head and head and (b"," in head or b";" in head or b"\t" in head):
        return "csv"
    raise StatementError(
        "not a bank statement Recoup can read (camt.052/053/054, MT940, OFX or CSV)"
    )
