"""The outbox's shared state is safe for a worker's job threads."""

import subprocess
import sys

# A fresh interpreter: the first use of the outbox in a process, by 8 threads at once.
FIRST_USE = """
import threading
from recoup.comms import outbox
from recoup.comms.models import OutboxMessage

expected = [c.name for c in OutboxMessage.__table__.columns]
start, seen = threading.Barrier(8), []

def read():
    start.wait()
    seen.append([c.name for c in outbox._STAGING.columns])

threads = [threading.Thread(target=read) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert seen == [expected] * 8, seen
"""


def test_the_staging_description_is_whole_before_any_thread_uses_it() -> None:
    # It was filled in lazily: a worker's second job thread read it half-built and
    # inserted outbox rows without their organisation.
    done = subprocess.run(
        [sys.executable, "-c", FIRST_USE], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
