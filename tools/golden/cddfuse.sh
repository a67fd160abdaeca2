#!/bin/bash
# Golden values of the `cddfuse` convention: MMIF-CDDFuse's utils/Evaluator.py, unmodified, in a throw-away virtual
# environment with the versions its requirements.txt pins, on fusionkit's fixture triples (fusionkit.metrics.golden):
#   bash tools/golden/cddfuse.sh PATH_TO_CDDFUSE_CHECKOUT [tests/fixtures/golden_cddfuse.csv] [PYTHON]
# PATH_TO_CDDFUSE_CHECKOUT: a clone of github.com/Zhaozixiang1228/MMIF-CDDFuse (work tree) or a bare git directory.
# PYTHON: an interpreter for the venv (default python3.8: the pins have wheels only up to 3.8; on 3.11 use numpy
# 1.23.5, scipy 1.9.3, opencv-python 4.5.5.64 and scikit-image 0.19.3 built from source, which give the same values,
# see docs/metrics.md). imageio < 2.28 (the pins leave it open; 2.28+ cannot save its float PNGs).
set -euo pipefail
src=${1:?usage: tools/golden/cddfuse.sh PATH_TO_CDDFUSE_CHECKOUT [OUT_CSV] [PYTHON]}
out=${2:-tests/fixtures/golden_cddfuse.csv}
py=${3:-python3.8}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -d "$src/utils" ]; then
  cp -r "$src/utils" "$work/utils"; commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo unknown)
else
  git -C "$src" archive HEAD utils | tar -x -C "$work"; commit=$(git -C "$src" rev-parse HEAD)
fi
venv=${CDDFUSE_VENV:-$work/venv}
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q numpy==1.21.5 scipy==1.7.3 scikit_image==0.19.2 scikit_learn==1.1.3 \
    opencv_python==4.5.3.56 'imageio<2.28'
fi
"$root/.venv/bin/python" -c "from fusionkit.metrics import golden; golden.write_pngs('$work/fixtures')"
"$venv/bin/python" "$here/cddfuse_driver.py" "$work" "$work/fixtures" "$work/values.csv"
versions=$("$venv/bin/python" -c "import sys, numpy, scipy, skimage, sklearn, cv2; print(f'python {sys.version.split()[0]}, numpy {numpy.__version__}, scipy {scipy.__version__}, scikit-image {skimage.__version__}, scikit-learn {sklearn.__version__}, opencv {cv2.__version__}')")
mkdir -p "$(dirname "$out")"
{
  echo "# golden values of the cddfuse convention: Zhaozixiang1228/MMIF-CDDFuse@$commit utils/Evaluator.py, unmodified;"
  echo "# $versions;"
  echo "# made by: bash tools/golden/cddfuse.sh <checkout> on fusionkit.metrics.golden.triples() (crop 128) on $(date -u +%F)"
  cat "$work/values.csv"
} > "$out"
echo "wrote $out"
