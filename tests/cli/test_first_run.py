"""The onboarding choice: `recoup init --first-run` and `recoup org set --first-run`."""

from tests.cli.conftest import Recoup


def test_init_starts_gently_and_org_set_changes_it(recoup: Recoup) -> None:
    assert recoup("init", "--name", "Canal Wholesale").exit_code == 0
    assert "  first run: gentle" in recoup("org", "show").stdout

    changed = recoup("org", "set", "--first-run", "policy")
    assert changed.exit_code == 0, changed.output
    assert changed.stdout == "first run: gentle -> policy\n"
    assert "  first run: policy" in recoup("org", "show").stdout

    refused = recoup("org", "set", "--first-run", "harsh")
    assert refused.exit_code == 1
    assert "first run is gentle or policy, not 'harsh'" in refused.stderr
    assert "  first run: policy" in recoup("org", "show").stdout


def test_init_takes_the_policy_choice(recoup: Recoup) -> None:
    assert recoup("init", "--org", "york", "--first-run", "policy").exit_code == 0
    assert "  first run: policy" in recoup("org", "show").stdout
    refused = recoup("init", "--org", "leeds", "--first-run", "later")
    assert refused.exit_code == 1
    assert "first run is gentle or policy, not 'later'" in refused.stderr
