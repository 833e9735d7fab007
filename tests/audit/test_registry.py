"""The audit mark lives apart from the audit service (tables import no service), and a
write of an audited table is never left unrecorded when the service is not loaded."""

import subprocess
import sys
import textwrap

WRITE_WITHOUT_SERVICE = textwrap.dedent(
    """
    import sys
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    import recoup.db.models  # every table, as the migrations see them
    from recoup.db.base import Base
    from recoup.ledger.models import Customer, Organisation

    assert "recoup.audit.service" not in sys.modules, "the tables loaded the service"
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        org = Organisation(slug="acme", name="Acme Ltd")
        session.add(org)
        session.flush()  # organisations are not audited: allowed
        session.add(Customer(org_id=org.id, external_id="C1", name="Bolt GmbH", currency="EUR"))
        try:
            session.flush()
        except RuntimeError as refused:
            print("refused:", refused)
        else:
            print("written unrecorded")
    """
)


def test_tables_load_without_the_service_and_an_unrecorded_write_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WRITE_WITHOUT_SERVICE], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "refused: an audited record was written with recoup.audit.service not loaded" in (
        done.stdout
    )
