"""Uploaded import files: kept privately between the dry run and the confirmation, and
imported in a bounded worker thread so the server keeps answering.

An upload lives in ``<RECOUP_UPLOAD_DIR>/<org id>/`` (directories 0700, files 0600) from
its dry run until it is confirmed, fails, or expires (``UPLOAD_TTL``); whichever comes
first removes it. Expired uploads are swept whenever a file is uploaded.

An import is CPU-bound work of seconds to minutes. It never runs on the event loop: it
runs in a worker thread, at most ``IMPORT_THREADS`` at a time (a further import waits
for a slot), so the pages, the portal and ``/healthz`` keep their own threads.
"""

import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

import anyio.to_thread
from fastapi import UploadFile
from sqlalchemy.orm import Session

from recoup.config import Settings
from recoup.errors import InvalidInput, NotFound
from recoup.imports.columns import Kind
from recoup.imports.readers import Limits
from recoup.imports.service import ImportResult, import_file

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UPLOAD_TTL = timedelta(hours=1)
# What a file uploaded through the browser may hold (the command line reads larger
# files): 100,000 rows is a mid-size business's whole book of open invoices.
UPLOAD_LIMITS = Limits(rows=100_000, unpacked_bytes=256 * 2**20)
IMPORT_THREADS = 2
SUFFIXES = (".csv", ".xlsx")

_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CHUNK = 1 << 20
_slots = anyio.CapacityLimiter(IMPORT_THREADS)


@dataclass(frozen=True, slots=True)
class Upload:
    """A stored upload: its id (what the confirmation form names) and its file."""

    id: str
    path: Path


def upload_root() -> Path:
    """Where uploads are kept (``RECOUP_UPLOAD_DIR``)."""
    return Path(Settings().upload_dir)


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # also when it existed before, or the umask took bits off
    return path


def _org_dir(org_id: int) -> Path:
    root = _private_dir(upload_root())
    return _private_dir(root / str(org_id))


async def store(file: UploadFile, *, org_id: int, suffix: str) -> Upload:
    """Copy ``file`` into a new private file of the organisation, a chunk at a time.

    ``InvalidInput`` (and nothing kept) when it is larger than ``MAX_UPLOAD_BYTES``.
    """
    remove_expired()
    upload_id = secrets.token_urlsafe(18)
    path = _org_dir(org_id) / f"{upload_id}{suffix}"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as target:
            while chunk := await file.read(_CHUNK):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise InvalidInput("The file is larger than 50 MB.", field="file")
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Upload(upload_id, path)


def find(*, org_id: int, upload_id: str) -> Upload:
    """The organisation's upload ``upload_id``; ``NotFound`` when there is none (it was
    imported, failed, expired, or belongs to another organisation)."""
    if _ID.fullmatch(upload_id):
        for suffix in SUFFIXES:
            path = upload_root() / str(org_id) / f"{upload_id}{suffix}"
            if path.is_file():
                if not _expired(path, time.time()):
                    return Upload(upload_id, path)
                path.unlink(missing_ok=True)
    raise NotFound("no such upload (it may have been imported already, or expired)")


def discard(upload: Upload) -> None:
    """Remove an upload's file (it was imported, or it failed)."""
    upload.path.unlink(missing_ok=True)


def _expired(path: Path, now: float) -> bool:
    try:
        return now - path.stat().st_mtime > UPLOAD_TTL.total_seconds()
    except FileNotFoundError:
        return True


def remove_expired() -> int:
    """Remove every organisation's uploads older than ``UPLOAD_TTL``; how many."""
    root = upload_root()
    if not root.is_dir():
        return 0
    now = time.time()
    removed = 0
    for path in root.glob("*/*"):
        if path.suffix in SUFFIXES and path.is_file() and _expired(path, now):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


async def run_import(
    session: Session,
    *,
    org_id: int,
    kind: Kind,
    upload: Upload,
    dry_run: bool,
    date_order: str | None,
) -> ImportResult:
    """``import_file`` on the upload within ``UPLOAD_LIMITS``, in a worker thread (at
    most ``IMPORT_THREADS`` at once). The upload is removed if the import fails, and
    after a real import."""
    work = partial(
        import_file,
        session,
        org_id=org_id,
        kind=kind,
        path=upload.path,
        dry_run=dry_run,
        date_order=date_order,
        limits=UPLOAD_LIMITS,
    )
    try:
        result = await anyio.to_thread.run_sync(work, limiter=_slots)
    except BaseException:
        discard(upload)
        raise
    if not dry_run:
        discard(upload)
    return result
