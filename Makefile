# fusionkit: the two commands of the README.
#   make reproduce [PROFILE=smoke|quick|paper] [PAPER=didfuse]   -> reports/
#   make test                                                      -> ruff + pytest + nbval
# Both create/update the virtual environment .venv first (pinned requirements.txt).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= smoke
PAPER  ?=
STAMP  := $(VENV)/.installed

.PHONY: reproduce test venv lab clean-venv

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (fusionkit)" >/dev/null
	touch $(STAMP)

venv: $(STAMP)

reproduce: $(STAMP)
	$(VENV)/bin/fusionkit reproduce --profile $(PROFILE) $(if $(PAPER),--paper $(PAPER))

# nbval executes every notebook with its default (smoke) parameters; their reports go to a
# temporary folder unless FUSIONKIT_REPORTS_DIR is set, so committed reports are never touched;
# smoke training runs likewise go to a temporary FUSIONKIT_RUNS_DIR.
test: $(STAMP)
	FUSIONKIT_REPORTS_DIR="$${FUSIONKIT_REPORTS_DIR:-$$(mktemp -d)}" \
	  FUSIONKIT_RUNS_DIR="$${FUSIONKIT_RUNS_DIR:-$$(mktemp -d)}" MPLBACKEND=Agg \
	  $(VENV)/bin/ruff check . && $(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider

lab: $(STAMP)
	$(PY) -m pip install --quiet jupyterlab
	$(VENV)/bin/jupyter lab notebooks/

clean-venv:
	rm -rf $(VENV)
