"""fusionkit's driver (our code) for MMIF-CDDFuse's ``utils/Evaluator.py``, run unmodified in a throw-away
virtual environment with the versions its requirements.txt pins (tools/golden/cddfuse.sh):

    python cddfuse_driver.py CDDFUSE_CHECKOUT FIXTURES_DIR OUT_CSV

Reads each fixture triple the way its test_IVF.py reads images (its own ``image_read_cv2(path, 'GRAY')``: float32
gray levels) and calls the metrics in test_IVF.py's order with its arguments (fused, ir, vi), plus the four
Evaluator metrics test_IVF.py does not print (AG, MSE, CC, PSNR)."""
import csv
import sys

src, fixtures, out = sys.argv[1:4]
sys.path.insert(0, src)
from utils.Evaluator import Evaluator, image_read_cv2  # noqa: E402

PRINTED = ("EN", "SD", "SF", "MI", "SCD", "VIFF", "Qabf", "SSIM")
EXTRA = ("AG", "MSE", "CC", "PSNR")
with open(f"{fixtures}/index.csv") as fh:
    ids = [row["id"] for row in csv.DictReader(fh)]
with open(out, "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["id", *PRINTED, *EXTRA])
    for i in ids:
        fi, ir, vi = (image_read_cv2(f"{fixtures}/{k}/{i}.png", "GRAY") for k in ("F", "A", "B"))
        one = {"EN", "SD", "SF", "AG"}  # the metrics of the fused image alone
        vals = [getattr(Evaluator, m)(fi) if m in one else getattr(Evaluator, m)(fi, ir, vi) for m in PRINTED + EXTRA]
        w.writerow([i, *(repr(float(v)) for v in vals)])
        print(i, "done", flush=True)
