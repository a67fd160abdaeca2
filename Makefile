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
# The notebooks' kernel: the committed notebooks (kernelspec) and their .py headers say the same, so
# JupyterLab has no metadata to rewrite when it opens one (tests/test_jupyter_clean.py checks).
KERNEL_DISPLAY_NAME := Python 3
# `make lab` only (not needed by the tests); pip keeps requirements.txt's pins (-c)
LAB_REQUIREMENTS := jupyterlab==4.6.6 ipywidgets==8.1.9
LAB_STAMP := $(VENV)/.lab-installed

.PHONY: reproduce test venv git-filters lab clean-venv

# tools/setup_git_filters.sh: notebooks/*.ipynb are stored without outputs (see .gitattributes); it does
# nothing outside a git checkout
$(STAMP): requirements.txt pyproject.toml tools/setup_git_filters.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "$(KERNEL_DISPLAY_NAME)" >/dev/null
	sh tools/setup_git_filters.sh $(PY)
	touch $(STAMP)

venv: $(STAMP)

git-filters:
	sh tools/setup_git_filters.sh $(PY)

reproduce: $(STAMP)
	$(VENV)/bin/fusionkit reproduce --profile $(PROFILE) $(if $(PAPER),--paper $(PAPER))

# nbval executes every notebook with its default (smoke) parameters; their reports go to a
# temporary folder unless FUSIONKIT_REPORTS_DIR is set, so committed reports are never touched;
# smoke training runs likewise go to a temporary FUSIONKIT_RUNS_DIR.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	FUSIONKIT_REPORTS_DIR="$${FUSIONKIT_REPORTS_DIR:-$$(mktemp -d)}" \
	  FUSIONKIT_RUNS_DIR="$${FUSIONKIT_RUNS_DIR:-$$(mktemp -d)}" MPLBACKEND=Agg \
	  $(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider --durations=40

$(LAB_STAMP): $(STAMP) Makefile
	$(PY) -m pip install --quiet -c requirements.txt $(LAB_REQUIREMENTS)
	touch $(LAB_STAMP)

# JupyterLab on this machine only (127.0.0.1), no browser opened (headless): open the URL with the token
# it prints (or tunnel the port: ssh -L 8888:127.0.0.1:8888 HOST). ipywidgets: tqdm's bars as widgets.
# The kernels get inline figures even where the shell exports MPLBACKEND=Agg. The post-save hook lets
# `git status` see a notebook saved with only new outputs as unmodified (git's filter strips them).
lab: $(LAB_STAMP)
	MPLBACKEND=module://matplotlib_inline.backend_inline \
	  $(VENV)/bin/jupyter lab --no-browser --ip 127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) \
	  --ContentsManager.post_save_hook=fusionkit.notebook_runner.lab_post_save_hook notebooks/

clean-venv:
	rm -rf $(VENV)
