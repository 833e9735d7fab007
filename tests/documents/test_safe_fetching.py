"""PDFs load nothing but Recoup's own assets: a hostile value cannot attach a local file
to a letter, nor make the server fetch a URL.

Two layers are tested: the templates escape the value (so it is text, not a link), and,
should markup reach WeasyPrint anyway, its URL fetcher refuses every file outside the
packaged assets, every http(s) URL and every data URI that is not an image or a font.
"""

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import StreamObject

from recoup.comms.context import ContactInfo
from recoup.documents import html_to_pdf, letter_pdf, statement_pdf
from recoup.documents.fetcher import AssetFetcher, RefusedURL
from tests.documents.factories import make_context

MARKER = "SECRET-7f3a9c-RECOUP_DATABASE_URL=postgresql://u:pw@db/recoup"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class Listener:
    """A tiny HTTP server on 127.0.0.1 that counts the requests it gets."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        seen = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                self.send_response(200)
                self.send_header("content-type", "image/png")
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "environ"
    path.write_text(MARKER, encoding="utf-8")
    return path


def attachments(pdf: bytes) -> dict[str, list[bytes]]:
    return dict(PdfReader(io.BytesIO(pdf)).attachments)


def every_stream(pdf: bytes) -> bytes:
    """All the PDF's streams, decompressed, one after the other."""
    reader = PdfReader(io.BytesIO(pdf))
    found = []
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            item = reader.get_object(number)
        except Exception:  # a free entry of the cross-reference table
            continue
        if isinstance(item, StreamObject):
            found.append(item.get_data())
    return b"\n".join(found)


def assert_nothing_loaded(pdf: bytes, listener: Listener) -> None:
    assert pdf.startswith(b"%PDF-")
    assert attachments(pdf) == {}
    assert b"/EmbeddedFile" not in pdf
    assert MARKER.encode() not in every_stream(pdf)
    assert listener.paths == []


def test_a_hostile_contact_name_attaches_no_file_and_fetches_no_url(
    listener: Listener, secret_file: Path
) -> None:
    name = (
        f'<link rel="attachment" href="{secret_file.as_uri()}">'
        f'<img src="{listener.url("/letter")}">'
    )
    context = make_context(contact=ContactInfo(name=name, email="ap@globex.example"))

    for pdf in (letter_pdf("formal_notice", context), statement_pdf(context)):
        assert_nothing_loaded(pdf, listener)


def test_markup_that_reaches_weasyprint_loads_nothing(
    listener: Listener, secret_file: Path
) -> None:
    relative = "../" * 12 + str(secret_file).lstrip("/")
    html = f"""<!DOCTYPE html><html><head>
<link rel="attachment" href="{secret_file.as_uri()}">
<link rel="attachment" href="{relative}">
<link rel="attachment" href="data:text/plain,{MARKER}">
<link rel="stylesheet" href="{listener.url("/style.css")}">
<style>
@import url("{listener.url("/import.css")}");
@font-face {{ font-family: X; src: url("{listener.url("/font.woff")}"); }}
body {{ background: url("{listener.url("/background.png")}"); font-family: X; }}
</style></head><body>
<p>Hello</p>
<a rel="attachment" href="{secret_file.as_uri()}">file</a>
<img src="{listener.url("/img.png")}">
<img src="{secret_file.as_uri()}">
<img src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><image href='{listener.url("/svg.png")}'/></svg>">
<object data="{listener.url("/object")}"></object>
<embed src="{listener.url("/embed")}">
</body></html>"""

    assert_nothing_loaded(html_to_pdf(html), listener)


def test_the_fetcher_serves_packaged_assets_of_known_types(tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "logo.png").write_bytes(PNG)
    (assets / "labels.yaml").write_text("secret: 1", encoding="utf-8")
    (assets / "escape.png").symlink_to(tmp_path / "outside.png")
    (tmp_path / "outside.png").write_bytes(PNG)
    fetcher = AssetFetcher(roots=(assets,))

    logo = fetcher.fetch((assets / "logo.png").as_uri())
    assert (logo.read(), logo.content_type) == (PNG, "image/png")
    inline = fetcher.fetch("data:image/png;base64,iVBORw0KGgo=")
    assert inline.content_type == "image/png"
    for refused in (
        (assets / "labels.yaml").as_uri(),  # a packaged file, but not an asset type
        (assets / "escape.png").as_uri(),  # a link out of the assets
        (assets / ".." / "outside.png").as_uri(),
        (tmp_path / "outside.png").as_uri(),
        "http://127.0.0.1:9/logo.png",
        "https://example.com/logo.png",
        "ftp://example.com/logo.png",
        "data:text/html,<p>hi</p>",
        "data:image/svg+xml,<svg/>",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(refused)
