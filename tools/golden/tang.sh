#!/bin/bash
# Golden values of the `tang` convention: Linfeng Tang's MATLAB Evaluation-for-Image-Fusion, unmodified, under
# Octave, on fusionkit's fixture triples (fusionkit.metrics.golden). Only the values are kept:
#   bash tools/golden/tang.sh PATH_TO_EVALUATOR_CHECKOUT [tests/fixtures/golden_tang.csv]
# PATH_TO_EVALUATOR_CHECKOUT: a clone of github.com/Linfeng-Tang/Evaluation-for-Image-Fusion (work tree), or a bare
# git directory of it (its HEAD is exported to a temporary folder). Installs Octave + octave-image + octave-signal
# (Debian packages) when octave-cli is missing. Needs the data (FUSIONKIT_DATA_DIR) and .venv.
set -euo pipefail
src=${1:?usage: tools/golden/tang.sh PATH_TO_EVALUATOR_CHECKOUT [OUT_CSV]}
out=${2:-tests/fixtures/golden_tang.csv}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! command -v octave-cli >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq octave octave-image octave-signal
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -d "$src/Evaluation" ]; then
  cp -r "$src/Evaluation" "$work/Evaluation"; commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo unknown)
else
  git -C "$src" archive HEAD Evaluation | tar -x -C "$work"; commit=$(git -C "$src" rev-parse HEAD)
fi
"$root/.venv/bin/python" -c "from fusionkit.metrics import golden; golden.write_pngs('$work/fixtures')"
(cd "$work/Evaluation" && octave-cli --no-gui --path "$here" --eval "tang_driver('$work/fixtures', '$work/values.csv')")
mkdir -p "$(dirname "$out")"
{
  echo "# golden values of the tang convention: Linfeng-Tang/Evaluation-for-Image-Fusion@$commit, unmodified,"
  echo "# under $(octave-cli --version | head -1), octave-image $(dpkg-query -W -f='${Version}' octave-image 2>/dev/null || echo ?);"
  echo "# made by: bash tools/golden/tang.sh <checkout> on fusionkit.metrics.golden.triples() (crop 128) on $(date -u +%F)"
  cat "$work/values.csv"
} > "$out"
echo "wrote $out"
