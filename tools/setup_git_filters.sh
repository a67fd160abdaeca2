#!/bin/sh
# Define the git drivers .gitattributes names for notebooks/*.ipynb, in this checkout's .git/config:
#   filter "nbstripout": what git stores (commit, status, diff) is the notebook without outputs, execution
#                        counts or the metadata a JupyterLab session adds (language_info, ...); the file
#                        you work on keeps its outputs. Cell ids, tags, kernelspec and jupytext metadata
#                        are kept: the tests, papermill and nbval need them.
#   diff "ipynb":        `git diff` compares those stripped notebooks.
# Run by `make venv` (idempotent: every run sets the same values); usage: tools/setup_git_filters.sh [PYTHON]
# where PYTHON has nbstripout (requirements.txt); default .venv/bin/python. Outside a git checkout (an
# unpacked archive) or without git it does nothing.
set -eu

py="${1:-.venv/bin/python}"
if ! command -v git >/dev/null 2>&1 || ! top="$(git rev-parse --show-toplevel 2>/dev/null)"; then
    echo "setup_git_filters: not in a git checkout; no notebook filter installed" >&2
    exit 0
fi
if ! "$py" -m nbstripout --version >/dev/null 2>&1; then
    echo "setup_git_filters: $py has no nbstripout (pip install -r requirements.txt)" >&2
    exit 1
fi
# git runs the drivers from the top of the working tree: a python inside the checkout is named relative
# to it, so the checkout can move
case "$py" in
    /*) ;;
    */*) py="$(cd "$(dirname "$py")" && pwd)/$(basename "$py")" ;;
    *) py="$(command -v "$py")" ;;
esac
case "$py" in
    "$top"/*) py="${py#"$top"/}" ;;
esac

git config filter.nbstripout.clean "\"$py\" -m nbstripout --keep-id"
git config filter.nbstripout.smudge cat
git config filter.nbstripout.extrakeys "metadata.language_info metadata.vscode cell.metadata.jupyter"
git config diff.ipynb.textconv "\"$py\" -m nbstripout --keep-id -t"
