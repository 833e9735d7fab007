"""A real IMAP server for tests: Dovecot (Debian's ``dovecot-imapd``, installed by
``scripts/install-system-deps.sh``) with a throwaway configuration on a free port of
127.0.0.1, plain-text login, one user, maildir under a temporary directory."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.mailbox import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "ar@acme.example", "imap-s3cret"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = {first_uid}
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass(frozen=True)
class Imap:
    host: str
    port: int
    user: str
    password: str
    log: Path


def _accounts() -> dict[str, str]:
    """Who Dovecot runs as: its own users when we are root, else ourselves."""
    if os.geteuid() == 0:
        return {
            "internal": "dovecot",
            "internal_group": "dovecot",
            "login": "dovenull",
            "mail_user": "dovecot",
            "mail_group": "dovecot",
            "first_uid": "100",
        }
    me = pwd.getpwuid(os.geteuid())
    return {
        "internal": me.pw_name,
        "internal_group": str(me.pw_gid),
        "login": me.pw_name,
        "mail_user": me.pw_name,
        "mail_group": str(me.pw_gid),
        "first_uid": str(min(me.pw_uid, 100)),
    }


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Imap]:
    """A Dovecot IMAP server for the module's tests."""
    if not os.path.exists(DOVECOT):
        pytest.fail("Dovecot is not installed: run scripts/install-system-deps.sh")
    # Not under pytest's own temporary directory: Dovecot's users must reach the files.
    root = Path(tempfile.mkdtemp(prefix="recoup-dovecot-"))
    root.chmod(0o755)
    accounts = _accounts()
    (root / "mail").mkdir()
    if os.geteuid() == 0:
        shutil.chown(root / "mail", user=accounts["mail_user"], group=accounts["mail_group"])
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, **accounts))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"Dovecot did not start: {output}\n{log}")
            time.sleep(0.1)
        yield Imap("127.0.0.1", port, USER, PASSWORD, root / "dovecot.log")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
