# The two set-up commands are `make demo` (run Recoup on SQLite) and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	scripts/install-system-deps.sh
	$(BIN)/recoup demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	scripts/install-system-deps.sh --test
	scripts/install-browser.sh
	eval "$$(scripts/test-postgres.sh)" && $(BIN)/pytest $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	scripts/install-system-deps.sh
	eval "$$(scripts/test-postgres.sh)" && $(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/out recoup.db*
