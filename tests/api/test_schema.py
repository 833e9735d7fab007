"""The OpenAPI document, and schemathesis against the running app (in-process ASGI):
no 5xx, and every answer conforms to the document (status, media type, body)."""

from datetime import date
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recoup.web.app import create_app
from tests.api.conftest import ApiWorld

EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_the_document_describes_every_error_as_a_problem(
    client: TestClient, api_world: ApiWorld
) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "/api/v1"}]
    schemas = document["components"]["schemas"]
    assert {"Problem", "FieldProblem", "Invoice", "InvoiceCreate", "InvoiceBulk"} <= set(schemas)
    assert "HTTPValidationError" not in schemas
    paths = document["paths"]
    assert {"/customers", "/invoices", "/invoices/bulk", "/kpis", "/payment-plans"} <= set(paths)
    for path, item in paths.items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status in ("401", "403", "404", "422", "429"):
                content = responses[status]["content"]
                assert list(content) == ["application/problem+json"], (path, method, status)
            assert "Retry-After" in responses["429"]["headers"]
            if method == "post":
                names = [p["name"] for p in operation.get("parameters", [])]
                assert "idempotency-key" in names, path


@pytest.fixture(scope="module")
def api_schema(api_world: ApiWorld) -> Any:
    """The API's schema, loaded from the running app, calls authorised by a write token."""
    with pytest.MonkeyPatch.context() as patch:  # hundreds of requests a minute by one token
        patch.setenv("RECOUP_API_RATE_LIMIT", "100000")
        app = create_app(
            engine=api_world.world.engine, clock=lambda: date(2026, 6, 30), migrate=False
        )
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


def test_the_api_conforms_to_its_document(api_schema: Any, api_world: ApiWorld) -> None:
    """Every operation, with generated valid and invalid requests, by an admin token."""
    headers = api_world.headers("alpha", "admin")
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
            database=None, phases=[Phase.generate],
        )  # fmt: skip
        def conforms(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            conforms()
        except Exception as error:
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
