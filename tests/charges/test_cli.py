"""``recoup charges``: the interest explanation, and rates import / list."""

from pathlib import Path

from tests.charges.conftest import Recoup


def write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text)
    return str(path)


def german_invoice(recoup: Recoup, tmp_path: Path) -> None:
    assert recoup("init", "--org", "acme", "--country", "DE", "--currency", "EUR").exit_code == 0
    recoup(
        "import",
        "customers",
        write(tmp_path, "c.csv", "external_id,name,currency\nC1,Alpha GmbH,EUR\n"),
    )
    recoup(
        "import",
        "invoices",
        write(
            tmp_path,
            "i.csv",
            "number,customer,issue_date,due_date,total\nINV-1,C1,2023-05-01,2023-05-31,10000.00\n",
        ),
    )


def test_interest_explanation(recoup: Recoup, tmp_path: Path) -> None:
    german_invoice(recoup, tmp_path)
    result = recoup("charges", "interest", "--invoice", "INV-1", "--as-of", "2023-09-30")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Interest on INV-1 as of 2023-09-30 (EUR)",
        "Rule: DE: de_basiszins + 9 points, rate of 1 January / 1 July for each half-year",
        "Law: Germany, BGB §288(2) and (5), §247",
        "Simple interest, actual/365, from the day after the due date to the as-of date.",
        "",
        "from        to          days       base  rate %  interest (unrounded)  rate basis",
        "2023-06-01  2023-06-30    30  10,000.00   10.62         87.2876712329  de_basiszins 1.62 % on 2023-01-01 + 9",
        "2023-07-01  2023-09-30    92  10,000.00   12.12        305.4904109589  de_basiszins 3.12 % on 2023-07-01 + 9",
        "",
        "Total: 392.78 EUR (computed unrounded, 392.7780821918, rounded once, half up)",
        "",
        "Fixed compensation: 40.00 EUR (DE fixed compensation for a debt of 10000.00 EUR "
        "(0 EUR or more): 40 EUR)",
        "Late fee: none (no late fee in the contract terms (a policy step may charge one))",
        "",
        "Already charged: nothing",
    ]
    assert result.stderr == ""


def test_interest_warns_beyond_the_known_rates_and_explains_none(
    recoup: Recoup, tmp_path: Path
) -> None:
    german_invoice(recoup, tmp_path)
    late = recoup("charges", "interest", "--invoice", "INV-1", "--as-of", "2026-01-15")
    assert late.exit_code == 0
    assert "Total: 3,069.92 EUR" in late.stdout
    assert late.stderr == ""  # the table knows the rate of 2026-01-01
    later = recoup("charges", "interest", "--invoice", "INV-1", "--as-of", "2026-07-15")
    assert later.stderr.startswith("warning: de_basiszins knows no rate after 2026-01-01")
    early = recoup("charges", "interest", "--invoice", "INV-1", "--as-of", "2023-05-31")
    assert early.stdout.splitlines()[:4] == [
        "No interest on INV-1 as of 2023-05-31: INV-1 is not overdue on 2023-05-31 (due 2023-05-31)",
        "",
        "Fixed compensation: none (INV-1 is not overdue on 2023-05-31)",
        "Late fee: none (no late fee in the contract terms (a policy step may charge one))",
    ]
    missing = recoup("charges", "interest", "--invoice", "INV-9")
    assert (missing.exit_code, missing.stderr) == (1, "error: no invoice 'INV-9'\n")


def test_rates_import_is_all_or_nothing(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    bad = write(
        tmp_path,
        "de_basiszins.csv",
        "effective_from,rate_percent\n2026-01-01,1.27\n2026-07-01,1,5\n2027-01-01,x\n",
    )
    result = recoup("charges", "rates", "import", bad)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: de_basiszins.csv: 2 problems found; no rates were stored",
        "  line 3: expected 2 fields (date,rate), got 3",
        "  line 4, rate_percent: 'x' is not a percentage such as 3.25 or -0.88",
    ]
    listed = recoup("charges", "rates", "list", "--table", "de_basiszins")
    assert "imported" not in listed.stdout
    good = write(
        tmp_path,
        "update.csv",
        "# checked 2026-07-05\neffective_from,rate_percent\n2026-07-01,1.27\n",
    )
    imported = recoup("charges", "rates", "import", good, "--table", "de_basiszins")
    assert imported.exit_code == 0, imported.output
    assert imported.stdout == "de_basiszins: 1 rates read; 1 new, 0 changed, 0 unchanged\n"
    listed = recoup("charges", "rates", "list", "--table", "de_basiszins")
    assert listed.stdout.splitlines()[0] == "table         effective_from    rate %  origin"
    assert listed.stdout.splitlines()[-2:] == [
        "de_basiszins  2026-01-01          1.27  shipped",
        "de_basiszins  2026-07-01          1.27  imported",
    ]


def test_rates_list_and_unknown_tables(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    everything = recoup("charges", "rates", "list")
    tables = {line.split()[0] for line in everything.stdout.splitlines()[1:]}
    assert tables == {"at_basiszins", "boe_base", "de_basiszins", "ecb_mro", "nbp_ref"}
    unknown = recoup("charges", "rates", "list", "--table", "fed")
    assert unknown.exit_code == 1
    assert (
        unknown.stderr
        == "error: table: no rate table 'fed' (known: at_basiszins, boe_base, de_basiszins, "
        "ecb_mro, nbp_ref)\n"
    )
    path = write(tmp_path, "rates.csv", "effective_from,rate_percent\n2026-01-01,1\n")
    no_table = recoup("charges", "rates", "import", path)
    assert no_table.exit_code == 1
    assert (
        "no rate table 'rates': name one of at_basiszins, boe_base, de_basiszins, ecb_mro, "
        "nbp_eur_pln, nbp_ref with --table" in no_table.stderr
    )


def test_waive_charges_for_a_customer(recoup: Recoup, tmp_path: Path) -> None:
    german_invoice(recoup, tmp_path)
    waived = recoup("customer", "waive-charges", "C1", "--reason", "key account")
    assert (waived.exit_code, waived.stdout) == (0, "C1: statutory charges waived (key account)\n")
    shown = recoup("charges", "interest", "--invoice", "INV-1", "--as-of", "2023-09-30")
    assert shown.stdout.splitlines()[0] == (
        "No interest on INV-1 as of 2023-09-30: statutory charges are waived for this "
        "customer (key account)"
    )
    assert "Waiver: statutory charges are waived for this customer (key account)" in shown.stdout
    again = recoup("customer", "waive-charges", "C1", "--off")
    assert (again.exit_code, again.stdout) == (0, "C1: statutory charges are claimed again\n")
    assert (
        "Total: 392.78 EUR"
        in recoup("charges", "interest", "--invoice", "INV-1", "--as-of", "2023-09-30").stdout
    )
    neither = recoup("customer", "waive-charges", "C1")
    assert neither.exit_code == 2
    unknown = recoup("customer", "waive-charges", "C9", "--off")
    assert unknown.exit_code == 1


def test_charges_list_paid_and_waive(recoup: Recoup, tmp_path: Path) -> None:
    german_invoice(recoup, tmp_path)
    assert recoup("charges", "list", "--customer", "C1").stdout == "C1: no open charges\n"
    missing = recoup("charges", "paid", "7")
    assert (missing.exit_code, missing.stderr) == (1, "error: no charge with id 7\n")
    assert recoup("charges", "waive", "7").exit_code == 1
