# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a step
# they run for you. Installs repeat exactly: Python packages are pinned by
# requirements/constraints.txt, npm packages by package-lock.json.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
LOCALE := src/commonweal/locale

.PHONY: demo test security install assets messages messages-update lint format constraints bench-intake clean

demo: install
	$(BIN)/commonweal demo

test: install
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

# Static security check of our code (bandit; each finding fixed or explained on its line, see
# bandit.yaml) and the pinned dependencies against known vulnerabilities (pip-audit, which
# needs its vulnerability service: see docs/security.md).
security: $(BIN)/.installed
	$(BIN)/bandit -q -r src -c bandit.yaml
	$(BIN)/python .ci/audit_dependencies.py

install: $(BIN)/.installed node_modules/.installed assets messages

$(BIN)/.installed: pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# GOV.UK Frontend's Sass compiled with our settings, and its JavaScript.
assets: node_modules/.installed
	npm run --silent build

# Compile the Welsh catalogue (Babel, so no system gettext is needed).
messages: $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -d $(LOCALE) -D django 2>&1 | tail -n 1

# For developers: pull new strings from the code and templates into the Welsh catalogue.
messages-update: $(BIN)/.installed
	$(BIN)/pybabel extract --no-location --sort-output --width=100 -F babel.cfg \
		-k gettext_lazy -k pgettext:1c,2 -k pgettext_lazy:1c,2 -k ngettext_lazy:1,2 \
		-o $(LOCALE)/django.pot src/commonweal
	$(BIN)/pybabel update --no-fuzzy-matching --width=100 --ignore-obsolete -i $(LOCALE)/django.pot -d $(LOCALE) -D django -l cy

lint:
	$(BIN)/ruff check src tests tools

format:
	$(BIN)/ruff format src tests tools
	$(BIN)/ruff check --fix src tests

# Regenerate the pinned versions after changing dependencies in pyproject.toml.
constraints:
	$(BIN)/pip freeze --exclude-editable | grep -v '^commonweal' > requirements/constraints.txt

bench-intake: install
	$(BIN)/commonweal bench intake

clean:
	rm -rf $(VENV) node_modules src/commonweal/core/static/commonweal/build
