#!/usr/bin/env python3
"""Write `.importlinter` from the packages under src/recoup: every core held pure, every
repository its domain's own, every domain below the command line and the web app, and
service > repository > core > models inside each domain. Run it after adding a package:
    python3 scripts/architecture-contracts.py > .importlinter
"""

from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "recoup"
ENTRY_POINTS = ("cli", "web", "demo", "portal")
# ``schemas`` (the request and response models) is below the services too: pure shapes,
# held so by the ``pure-schemas`` contract.
BELOW_SERVICES = ("__init__", "repository", "core", "models", "enums", "schemas")
# Every package but the ledger itself reads the ledger only through
# ``recoup.ledger.queries`` (typed views and plain rows), ``recoup.ledger.service`` and
# ``recoup.ledger.organisation`` (the organisation's details, typed read-only), never by
# selecting on its tables or handling its classes. ``recoup.db`` is left out: its
# ``models`` is the registry of every table, for the migrations.
NOT_LEDGER_READERS = ("ledger", "db")
# The imports of the ledger's tables those modules keep, each for a reason:
LEDGER_TABLES_IGNORED = (
    # Indexes declared on a ledger table for a domain's own reads: they select nothing.
    "recoup.analytics.models -> recoup.ledger.models",
    "recoup.api.models -> recoup.ledger.models",
    # The API pages every resource through one generic keyset listing (api.listing: a
    # model, its sort columns, filters on its columns); the ledger's resources are its.
    "recoup.api.ledger_routes -> recoup.ledger.models",
    # Verification replays the audit chain against the stored rows of every audited
    # table, column by column: it must read the tables themselves, not the ledger's views
    # of them (a fault in those would hide a tampered row).
    "recoup.audit.verification -> recoup.ledger.models",
    # The command line's unit of work hands each command the stored organisation, the
    # settings object that `org set` and `org bank` change (through ledger.organisation).
    "recoup.cli.app -> recoup.ledger.models",
    # The demo organisation, created on first use, goes back to its callers (the CLI, the
    # browser tests) as the stored organisation they go on changing.
    "recoup.demo.service -> recoup.ledger.models",
    "recoup.cashapp.models -> recoup.ledger.models",  # indexes, as analytics.models
    "recoup.inbound.models -> recoup.ledger.models",
    "recoup.web.models -> recoup.ledger.models",
)

def service_modules(name: str) -> list[str]:
    """A domain's use-case modules when it has no single ``service.py`` (``cases``: one
    module per sub-domain): every module but its repository, core, models, enums and
    schemas."""
    if (SRC / name / "service.py").exists() or not (SRC / name / "repository.py").exists():
        return []
    return sorted(p.stem for p in (SRC / name).glob("*.py") if p.stem not in BELOW_SERVICES)


def lines(items: list[str]) -> str:
    return "".join(f"    {item}\n" for item in items)


def main() -> None:
    packages = sorted(p.parent.name for p in SRC.glob("*/__init__.py"))
    has = lambda name, module: (SRC / name / f"{module}.py").exists()  # noqa: E731
    print(
        "# Architecture contracts, checked by `make lint` (lint-imports); written by\n"
        "# scripts/architecture-contracts.py. docs/architecture.md says what they keep true;\n"
        "# tests/test_architecture.py fails when a package is not covered by them.\n"
        "[importlinter]\nroot_package = recoup\ninclude_external_packages = True\n"
    )
    cores = [f"recoup.{name}.core" for name in packages if has(name, "core")]
    forbidden = ["sqlalchemy"] + [
        f"recoup.{name}.{module}"
        for name in packages
        for module in ("models", "repository", "service")
        if has(name, module)
    ]
    forbidden += [
        f"recoup.{name}.{module}" for name in packages for module in service_modules(name)
    ]
    print(
        "[importlinter:contract:pure-cores]\n"
        "name = A core imports no SQLAlchemy, models, repositories or services\n"
        "type = forbidden\nallow_indirect_imports = True\n"
        f"source_modules =\n{lines(cores)}forbidden_modules =\n{lines(forbidden)}"
    )
    # The neutral building blocks (recoup.schemas) are held with the domains' schemas, and
    # indirect imports count: a shape that reached the API through them would be caught.
    schemas = ["recoup.schemas"] + [
        f"recoup.{name}.schemas" for name in packages if has(name, "schemas") and name != "api"
    ]
    shapes_forbidden = ["recoup.api", "recoup.web"] + [
        module for module in forbidden if not module.startswith(("recoup.api.", "recoup.web."))
    ]
    print(
        "[importlinter:contract:pure-schemas]\n"
        "name = Schemas are pure shapes: no API, web app, SQLAlchemy, models, repositories "
        "or services\n"
        "type = forbidden\nallow_indirect_imports = False\n"
        f"source_modules =\n{lines(schemas)}"
        f"forbidden_modules =\n{lines(shapes_forbidden)}"
    )
    for name in packages:
        if has(name, "repository"):
            others = [f"recoup.{other}" for other in packages if other != name]
            print(
                f"[importlinter:contract:own-repository-{name}]\n"
                f"name = Only {name} reads through recoup.{name}.repository\n"
                "type = forbidden\nallow_indirect_imports = True\n"
                f"source_modules =\n{lines(others)}"
                f"forbidden_modules =\n    recoup.{name}.repository\n"
            )
    readers = [f"recoup.{name}" for name in packages if name not in NOT_LEDGER_READERS]
    print(
        "[importlinter:contract:ledger-tables]\n"
        "name = Outside the ledger, the ledger is read through recoup.ledger.queries, "
        "not its tables\n"
        "type = forbidden\nallow_indirect_imports = True\n"
        f"source_modules =\n{lines(readers)}"
        "forbidden_modules =\n    recoup.ledger.models\n"
        f"ignore_imports =\n{lines(list(LEDGER_TABLES_IGNORED))}"
    )
    models = [f"recoup.{name}.models" for name in packages if has(name, "models")]
    services = [f"recoup.{name}.service" for name in packages if has(name, "service")]
    services += [f"recoup.{name}.{module}" for name in packages for module in service_modules(name)]
    print(
        "[importlinter:contract:models-below-services]\n"
        "name = Tables import no service (the audit mark is recoup.audit.registry)\n"
        "type = forbidden\nallow_indirect_imports = True\n"
        f"source_modules =\n{lines(models)}forbidden_modules =\n{lines(services)}"
    )
    domains = [f"recoup.{name}" for name in packages if name not in ENTRY_POINTS]
    print(
        "[importlinter:contract:entry-points]\n"
        "name = Domains never import the command line or the web app (their own pages excepted)\n"
        "type = forbidden\nallow_indirect_imports = True\n"
        f"source_modules =\n{lines(domains)}"
        "forbidden_modules =\n    recoup.cli\n    recoup.web\n"
        "ignore_imports =\n    recoup.*.views -> recoup.web.**\n"
        "    recoup.*.routes -> recoup.web.**\n"
        "    recoup.db.models -> recoup.web.models\n"  # the registry of every table
    )
    layered = [
        f"recoup.{name}"
        for name in packages
        if sum(has(name, module) for module in ("service", "repository", "core")) >= 2
    ]
    print(
        "[importlinter:contract:layers]\n"
        "name = Within a domain: service above repository above core above models\n"
        f"type = layers\ncontainers =\n{lines(layered)}"
        "layers =\n    (service)\n    (repository)\n    (core)\n    (models)",
        end="\n",
    )
    for name in packages:
        if modules := service_modules(name):
            print(
                f"\n[importlinter:contract:layers-{name}]\n"
                f"name = Within {name}: use-case modules above repository, core and models\n"
                f"type = layers\ncontainers =\n    recoup.{name}\n"
                f"layers =\n    {' : '.join(modules)}\n    repository\n    (core)\n    (models)",
            )


if __name__ == "__main__":
    main()
