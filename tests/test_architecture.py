"""The architecture contracts in ``.importlinter`` (checked by ``make lint``) cover every
domain package: a new package with a core, a repository or a service is held to the same
rules as the others, or this test says which contract leaves it out."""

import configparser
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "recoup"
ENTRY_POINTS = {"cli", "web", "demo", "portal"}  # the layers that may import cli/web


def _contracts() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter", encoding="utf-8")
    return config


def _modules(config: configparser.ConfigParser, section: str, key: str) -> set[str]:
    return set(config[f"importlinter:contract:{section}"][key].split())


def _packages() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def test_every_core_is_held_pure() -> None:
    listed = _modules(_contracts(), "pure-cores", "source_modules")
    cores = {f"recoup.{p.parent.name}.core" for p in PACKAGE.glob("*/core.py")}
    assert cores <= listed, "run scripts/architecture-contracts.py > .importlinter"


def test_every_domains_schemas_are_pure_shapes() -> None:
    listed = _modules(_contracts(), "pure-schemas", "source_modules")
    schemas = {f"recoup.{p.parent.name}.schemas" for p in PACKAGE.glob("*/schemas.py")}
    assert (schemas - {"recoup.api.schemas"}) | {"recoup.schemas"} == listed


def test_every_repository_is_its_domains_own() -> None:
    config = _contracts()
    for name in _packages():
        if not (PACKAGE / name / "repository.py").exists():
            continue
        section = f"own-repository-{name}"
        assert config.has_section(f"importlinter:contract:{section}"), f"no contract {section}"
        others = {f"recoup.{other}" for other in _packages() if other != name}
        assert _modules(config, section, "source_modules") == others, section


def test_every_domain_stays_below_the_command_line_and_the_web_app() -> None:
    sources = _modules(_contracts(), "entry-points", "source_modules")
    domains = {f"recoup.{name}" for name in _packages() if name not in ENTRY_POINTS}
    assert sources == domains


def test_every_layered_domain_is_a_container() -> None:
    containers = _modules(_contracts(), "layers", "containers")
    layered = {
        f"recoup.{name}"
        for name in _packages()
        if sum((PACKAGE / name / f"{m}.py").exists() for m in ("service", "repository", "core"))
        >= 2
    }
    assert layered <= containers, f"add to layers: {sorted(layered - containers)}"


def test_every_package_but_the_ledger_reads_it_through_its_queries() -> None:
    readers = _modules(_contracts(), "ledger-tables", "source_modules")
    others = {f"recoup.{name}" for name in _packages() if name not in {"ledger", "db"}}
    assert readers == others, "run scripts/architecture-contracts.py > .importlinter"


def test_the_ledger_tables_kept_are_named_in_the_architecture_doc() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    contract = doc.split("**Ledger tables** (`ledger-tables`)", 1)[1].split("\n- **", 1)[0]
    for ignored in _modules(_contracts(), "ledger-tables", "ignore_imports"):
        if ignored in {"->", "recoup.ledger.models"}:
            continue
        module = ignored.removeprefix("recoup.")
        assert f"`{module}`" in contract, f"docs/architecture.md: say why {module} is kept"
