"""The only URLs a PDF may load: Recoup's own packaged assets.

WeasyPrint fetches every URL a document names — stylesheets, images, fonts and
``<link rel="attachment">`` files, which it embeds in the PDF. A document is built from
customer data, so ``AssetFetcher`` serves only files inside the packaged asset
directories whose type is a stylesheet, an image or a font, and inline ``data:`` images
and fonts; it refuses every other file (``/proc/self/environ``, the database), every
``http(s)``/``ftp`` URL (no request leaves the server) and every other ``data:`` type.
A refused URL is skipped by WeasyPrint with a warning; the document still renders.

This module imports WeasyPrint, so it is imported only when a PDF is made.
"""

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

#: The packaged files a document may load, by suffix, with the type they are served as.
ASSET_TYPES: dict[str, str] = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
#: Inline ``data:`` types a document may use: raster images and fonts (an SVG could
#: name further URLs; a packaged SVG file is ours and allowed).
DATA_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "font/ttf",
        "font/otf",
        "font/woff",
        "font/woff2",
        "application/font-woff",
    }
)


class RefusedURL(ValueError):
    """A document named a URL that is not one of Recoup's assets."""

    def __init__(self, url: str, reason: str) -> None:
        shown = url if len(url) <= 80 else url[:77] + "..."
        super().__init__(f"refused to load {shown!r}: {reason}")
        self.url = url
        self.reason = reason


class AssetFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type hints
    """A WeasyPrint URL fetcher that serves the files under ``roots`` and nothing else."""

    def __init__(self, *, roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = tuple(root.resolve() for root in roots)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        """The asset at ``url``; ``RefusedURL`` for anything else."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "file":
            path = self._asset_path(url)
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": ASSET_TYPES[path.suffix.lower()]}
            )
        if scheme == "data":
            media_type = data_media_type(url)
            if media_type not in DATA_TYPES:
                raise RefusedURL(url, f"inline {media_type or 'text/plain'} is not allowed")
            return super().fetch(url, headers)
        raise RefusedURL(url, "documents load no external resources")

    def _asset_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(url, "not a local file")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedURL(url, "not one of Recoup's assets")
        if path.suffix.lower() not in ASSET_TYPES or not path.is_file():
            raise RefusedURL(url, "not a stylesheet, image or font")
        return path


def data_media_type(url: str) -> str:
    """The media type a ``data:`` URL declares (lower case; empty when none).

    >>> data_media_type("data:image/PNG;base64,AAAA"), data_media_type("data:,hello")
    ('image/png', '')
    """
    header = url.partition(",")[0][len("data:") :]
    return header.split(";", 1)[0].strip().lower()
