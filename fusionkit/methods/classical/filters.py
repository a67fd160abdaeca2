"""Edge-preserving-filter methods: two-scale fusion (tif), anisotropic diffusion (adf), guided filtering (gff).

Implemented from the papers and checked against VIFB's MATLAB outputs
(``reports/benchmarks/baseline_fidelity.md``). Internally on the 0-255 scale, where the papers'
constants (e.g. ADF's kappa) are defined.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..base import FusionMethod


class TIF(FusionMethod):
    """Two-scale image fusion with saliency weights (Bavirisetti & Dhuli, Ain Shams Eng. J. 7(3), 2016).

    Base = 35x35 mean (circular border), detail = image - base; detail weights from the visual
    saliency (base - 3x3 median)^2; bases averaged. Where both saliencies are 0 the detail weights
    are 1/2 (VIFB's code divides 0/0 and outputs 0 there).
    """

    name, citation = "tif", "Bavirisetti & Dhuli, Ain Shams Engineering Journal 7(3), 2016"
    defaults = {"mean_size": 35, "median_size": 3}

    def _fuse(self, a, b):
        M, N = self.options["mean_size"], self.options["median_size"]
        a, b = a * 255, b * 255
        base_a, base_b = (ndimage.uniform_filter(x, M, mode="wrap") for x in (a, b))
        sa = (base_a - ndimage.median_filter(a, N, mode="constant")) ** 2
        sb = (base_b - ndimage.median_filter(b, N, mode="constant")) ** 2
        tot = sa + sb
        wa = np.divide(sa, tot, out=np.full_like(tot, 0.5), where=tot > 0)
        return (wa * (a - base_a) + (1 - wa) * (b - base_b) + (base_a + base_b) / 2) / 255


def anisotropic_diffusion(x: np.ndarray, iterations: int = 10, dt: float = 0.15, kappa: float = 30.0) -> np.ndarray:
    """Perona-Malik diffusion with 8 neighbours and g = exp(-(d/kappa)^2), zero padding (as anisodiff2D.m)."""
    u = x.astype(np.float64).copy()
    shifts = [((-1, 0), 1.0), ((1, 0), 1.0), ((0, -1), 1.0), ((0, 1), 1.0),
              ((-1, 1), 0.5), ((1, 1), 0.5), ((1, -1), 0.5), ((-1, -1), 0.5)]
    for _ in range(iterations):
        p = np.pad(u, 1)
        H, W = u.shape
        upd = np.zeros_like(u)
        for (dy, dx), w in shifts:
            nb = p[1 + dy:1 + dy + H, 1 + dx:1 + dx + W] - u
            upd += w * np.exp(-(nb / kappa) ** 2) * nb
        u = u + dt * upd
    return u


class ADF(FusionMethod):
    """Anisotropic diffusion + Karhunen-Loeve fusion (Bavirisetti & Dhuli, IEEE Sensors J. 16(1), 2016).

    Base layers (10 iterations, dt 0.15, kappa 30) averaged; detail layers weighted by the
    normalised principal eigenvector of their 2x2 covariance.
    """

    name, citation = "adf", "Bavirisetti & Dhuli, IEEE Sensors Journal 16(1), 2016"
    defaults = {"iterations": 10, "dt": 0.15, "kappa": 30.0}

    def _fuse(self, a, b):
        o = self.options
        a, b = a * 255, b * 255
        ba = anisotropic_diffusion(a, o["iterations"], o["dt"], o["kappa"])
        bb = anisotropic_diffusion(b, o["iterations"], o["dt"], o["kappa"])
        da, db = a - ba, b - bb
        C = np.cov(np.stack([da.ravel(), db.ravel()]))
        vals, vecs = np.linalg.eigh(C)
        v = vecs[:, int(np.argmax(vals))]
        w = v / v.sum() if abs(v.sum()) > 1e-12 else np.array([0.5, 0.5])
        return (w[0] * da + w[1] * db + (ba + bb) / 2) / 255


def box_mean(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over the (2r+1)^2 window, counting only pixels inside the image (He et al.'s boxfilter / N)."""
    size = 2 * r + 1
    num = ndimage.uniform_filter(x, size, mode="constant")
    den = ndimage.uniform_filter(np.ones_like(x), size, mode="constant")
    return num / den


def guided_filter(I: np.ndarray, p: np.ndarray, r: int, eps: float) -> np.ndarray:
    """He, Sun & Tang's guided filter (ECCV 2010 / TPAMI 2013), grey guide."""
    mI, mp = box_mean(I, r), box_mean(p, r)
    a = (box_mean(I * p, r) - mI * mp) / (box_mean(I * I, r) - mI * mI + eps)
    b = mp - a * mI
    return box_mean(a, r) * I + box_mean(b, r)


class GFF(FusionMethod):
    """Guided-filtering fusion (Li, Kang & Hu, IEEE TIP 22(7), 2013).

    Two-scale split with a 31x31 mean; saliency = Gaussian(11, 5)-blurred |Laplacian|; binary max
    maps refined by guided filters (r1=45, eps1=0.3 for the base; r2=7, eps2=1e-6 for the detail);
    weights quantised to 8 bits and normalised as in the authors' code.
    """

    name, citation = "gff", "Li, Kang & Hu, IEEE Transactions on Image Processing 22(7), 2013"
    defaults = {"r1": 45, "eps1": 0.3, "r2": 7, "eps2": 1e-6}

    def weights(self, a: np.ndarray, b: np.ndarray):
        """((w_base_a, w_base_b), (w_detail_a, w_detail_b)) computed on grey [0, 1] images."""
        o = self.options
        lap = np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])
        g = np.exp(-np.arange(-5, 6) ** 2 / (2 * 25.0))
        g2 = np.outer(g, g) / np.outer(g, g).sum()
        S = [ndimage.correlate(np.abs(ndimage.correlate(x, lap, mode="nearest")), g2, mode="nearest") + 1e-12
             for x in (a, b)]
        P = [(S[0] >= S[1]).astype(float), (S[1] > S[0]).astype(float)]

        def refine(r, eps):
            W = [np.floor(np.clip(guided_filter(x, p, r, eps), 0, 1) * 255 + 0.5) / 255 + 1e-12
                 for x, p in zip((a, b), P)]
            tot = W[0] + W[1]
            return W[0] / tot, W[1] / tot

        return refine(o["r1"], o["eps1"]), refine(o["r2"], o["eps2"])

    @staticmethod
    def combine(a: np.ndarray, b: np.ndarray, wb, wd) -> np.ndarray:
        """Two-scale combination of (one channel of) the sources with given weight maps."""
        base = [ndimage.uniform_filter(x, 31, mode="nearest") for x in (a, b)]
        return sum(wb[i] * base[i] + wd[i] * (x - base[i]) for i, x in enumerate((a, b)))

    def _fuse(self, a, b):
        wb, wd = self.weights(a, b)
        return self.combine(a, b, wb, wd)
