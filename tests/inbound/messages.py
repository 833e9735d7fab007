"""The .eml fixtures of customer replies, with a reply token and the Message-ID of the
reminder they answer filled in."""

from pathlib import Path

DATA = Path(__file__).parent / "data"
TOKEN = "k3j9x2m4q8w1z7ab"
SENT_ID = "<recoup.0f1e2d3c4b5a69788796a5b4c3d2e1f0@acme.example>"


def eml(name: str, *, token: str = TOKEN, sent_id: str = SENT_ID) -> bytes:
    """The fixture ``name`` (without .eml) as received, CRLF line ends as on the wire."""
    text = (DATA / f"{name}.eml").read_bytes()
    text = text.replace(b"@@TOKEN@@", token.encode()).replace(b"@@MSGID@@", sent_id.encode())
    return text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
