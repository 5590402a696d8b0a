# Every target bootstraps .venv itself: a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := locales/vi/LC_MESSAGES/messages.po
MO := locales/vi/LC_MESSAGES/messages.mo

.PHONY: run test lint format i18n compile-i18n clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

$(MO): $(PO) $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d locales -D messages >/dev/null

compile-i18n: $(MO)

run: $(STAMP) $(MO)
	$(BIN)/chungtay run

# Bytecode is cached even where the environment says not to (PYTHONDONTWRITEBYTECODE): the suite
# starts ~60 server processes, and pytest rewrites every test module's asserts on each run (~4 s).
# Two pytest processes (pytest-xdist; PYTEST_WORKERS=0 runs one), tests handed out as each
# finishes its last: 3.9 instead of 9.3 minutes here, much of the suite waits on servers it starts.
PYTEST_WORKERS ?= 2
test: $(STAMP) $(MO)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal \
	  $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract every _() from the code and merge into the catalog; translate new entries by hand.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k t -k gettext -k ngettext:1,2 --no-location --sort-output -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages -l vi --no-fuzzy-matching
	$(BIN)/pybabel compile -d locales -D messages

clean:
	rm -rf $(VENV) chungtay.db
