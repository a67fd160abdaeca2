"""The metric registry: name -> definition, direction, citation, conventions."""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import Registry

CONVENTIONS = ("standard", "vifb", "didfuse", "fmmf", "tang", "cddfuse")

# convention="didfuse": the SD, SF and AG that reproduce the DIDFuse tables (IJCAI 2020 Table 4 on TNO,
# FLIR and NIR, to all printed digits, from the authors' published fused PNGs). Every other metric is
# as in "standard" (which already reproduces those tables' EN, MI and VIF). See docs/metrics.md,
# "The DIDFuse SD/SF/AG puzzle (issue 10)", and benchmarks/didfuse_metric_conventions.py.
DIDFUSE_DEFINITIONS = {
    "SD": "SD = sqrt(1/(MN) sum_{i,j} (F_ij - mu_j)^2) with mu_j the mean of column j (what MATLAB's mean() "
          "of a matrix gives), not the image mean.",
    "SF": "SF = sqrt(RF^2 + CF^2), RF^2 = 1/(MN) sum_{i<=M, j<=N} (F_i,j+1 - F_ij)^2 with F_i,N+1 = 0 "
          "(zero past the last column, so the last column adds F_iN^2), CF^2 likewise down columns with "
          "F_M+1,j = 0.",
    "AG": "AG as in the vifb convention: MATLAB gradient() (central differences, one-sided at borders), "
          "sqrt((gx^2 + gy^2)/2) summed over all MxN pixels and divided by (M-1)(N-1).",
}

# convention="fmmf": the definitions of the public MATLAB evaluation scripts of the FMMF authors' university
# group (github thfylsty/Objective-evaluation-for-image-fusion: analysis_*.m, as also shipped by
# hli1221/imagefusion-nestfuse), found by scoring IFCNN's released weights on the very images of FMMF's
# Tables 2 and 3 (docs/studies/fmmf.md, "Metric conventions"). Every other metric is as in "standard".
FMMF_DEFINITIONS = {
    "SD": "SD = sqrt(sum_{i,j} (F_ij/255 - mean(F/255))^2) = sqrt(MN) sigma(F) / 255 (analysis_sd.m on im2double "
          "images: the 1/(MN) of the variance is missing), so it grows with the image size.",
    "MI": "MI = 2 EN(F): analysis_MI calls Dwinnell's MutualInformation on image matrices, whose JointEntropy is "
          "MATLAB entropy() of an index vector (values >= 1, saturated to 255 by im2uint8, entropy 0), so "
          "MI(X, F) = H(F) for either source.",
    "VIF": "VIF = (VIF_w(A, F) + VIF_w(B, F)) / 2 with VIF_w the wavelet-domain VIF of Sheikh & Bovik (LIVE vifvec: "
           "4-level sp5 steerable pyramid, bands 0 and 90 degrees, 3x3 GSM vectors, sigma_n^2 = 0.4) on [0, 1] "
           "images (fusionkit.metrics.wavelet_vif). On [0, 1] the band variances are tiny against sigma_n^2, so "
           "VIF_w ~ the energy-weighted mean of the gain g^2: it rewards contrast and barely sees noise.",
    "MS_SSIM": "MS_SSIM = the multi-scale MEF-SSIM of Ma, Zeng & Wang (IEEE TIP 24(11), 2015) of F against the "
               "sequence [A, B]: 3 scales, weights (0.0448, 0.2856, 0.3001), K = 0.03, 11x11 windows "
               "(fusionkit.metrics.mef_ssim).",
    "Qabf": "Qabf as in the vifb convention (G = g_F where g_S = g_F) on im2double images, so that value is g_F/255 "
            "in 8-bit units. It does not give the paper's Qabf back exactly (1-6 % above it on the same images; "
            "docs/studies/fmmf.md).",
}
# convention="tang": Linfeng Tang's MATLAB Evaluation-for-Image-Fusion (analysis_Reference.m, commit 0e87153) as it
# computes, quirks included, golden-tested against its own code under Octave (tests/fixtures/golden_tang.csv;
# docs/conventions/tang.md). Every other metric is as in "standard". Implemented in fusionkit.metrics.conventions.
TANG_DEFINITIONS = {
    "MI": "MI(A,F) + MI(B,F) in bits, but the joint histograms put grey levels 254 and 255 in one bin (Hab.m adds 1 "
          "to uint8 images, which saturates at 255) while the marginal entropies keep them apart.",
    "PSNR": "10 log10(255^2 / MSE) with MSE on [0, 1] images (PSNR_evaluation.m divides by 255 but keeps the peak "
            "255): the standard PSNR + 20 log10(255) = + 48.13 dB.",
    "MSE": "(MSE(A,F) + MSE(B,F)) / 2 on [0, 1] images: the standard MSE / 255^2.",
    "SF": "sqrt(mean(dH^2) + mean(dV^2)), each mean over its own number of differences (not M N).",
    "AG": "as in the vifb convention: MATLAB gradient(), the sum over all M N pixels divided by (M-1)(N-1).",
    "Qabf": "as in the vifb convention (G = g_F where g_S = g_F).",
    "SSIM": "(ssim(F,A) + ssim(F,B)) / 2 with MATLAB ssim's defaults on 0-255 doubles: dynamic range 1 (the class "
            "range of double), so C1 = 1e-4, C2 = 9e-4; 11x11 Gaussian sigma 1.5, replicate padding, the mean of "
            "the whole map.",
    "MS_SSIM": "the multi-scale MEF-SSIM of Ma, Zeng & Wang of F against [A, B] (analysis_ms_ssim.m), as in the fmmf "
               "convention.",
    "Nabf": "analysis_nabf(A, B, F) as analysis_Reference.m calls it, whose signature is (fused, source, source): the "
            "infrared image stands in the fused slot and F in a source's (a regression of its commit 7849642; its "
            "2022 code passed F first, as standard does).",
}
# convention="cddfuse": MMIF-CDDFuse's utils/Evaluator.py (commit fd8da1f) as its test_IVF.py calls it, under the
# versions its requirements.txt pins (scikit-image 0.19.2, scikit-learn 1.1.3), golden-tested against that code
# (tests/fixtures/golden_cddfuse.csv; docs/conventions/cddfuse.md). Every other metric is as in "standard".
CDDFUSE_DEFINITIONS = {
    "MI": "sklearn mutual_info_score(F, A) + (F, B) on the grey levels: the standard MI in nats (natural log).",
    "SF": "sqrt(mean(dH^2) + mean(dV^2)), each mean over its own number of differences (not M N).",
    "AG": "mean over all M N pixels of sqrt((gx^2 + gy^2)/2), numpy.gradient (central differences, one-sided at "
          "the borders).",
    "PSNR": "10 log10(max(F)^2 / MSE), MSE = (MSE(A,F) + MSE(B,F))/2: the peak is the fused image's own maximum.",
    "Qabf": "as in the vifb convention (G = g_F where g_S = g_F).",
    "SSIM": "structural_similarity(F, A) + (F, B), summed, with scikit-image 0.19's defaults on float32 0-255 "
            "images: data_range 2 (the float dtype range -1..1), 7x7 box window with reflect padding, sample "
            "covariance, 3 px border cropped.",
    "VIF": "as in standard (pixel-domain VIFp summed over the two sources), with a NaN VIFp counted as 1.",
}
#: Smallest image side of the metrics whose definition changes with the convention (else MetricSpec.min_size).
CONVENTION_MIN_SIZE = {"fmmf": {"VIF": 96, "MS_SSIM": 44}, "tang": {"MS_SSIM": 44}, "cddfuse": {"SSIM": 7}}


@dataclass(frozen=True)
class MetricSpec:
    name: str
    higher_is_better: bool
    citation: str
    definition: str
    kind: str = "full-reference"  # or "no-reference"
    vifb: str | None = None  # how convention="vifb" differs (None: not a VIFB metric, same as standard)
    fast: bool = True  # in the batched torch backend
    min_size: int = 2  # smallest image side the definition works on


_SPECS = [
    MetricSpec("EN", True, "Roberts et al., J. Appl. Remote Sens. 2(1), 2008",
               "EN = -sum_l p_l log2 p_l over the 256-bin histogram of F (grey levels: nearest integer).",
               vifb="grey levels by floor (VIFB indexes floor(F)+1)."),
    MetricSpec("SD", True, "Rao, Measurement 1997 (standard deviation)",
               "SD = sqrt(1/(MN) sum (F - mean F)^2) (population).", vifb="same (metricsVariance.m)."),
    MetricSpec("SF", True, "Eskicioglu & Fisher, IEEE TCOM 43(12), 1995",
               "SF = sqrt(RF^2 + CF^2), RF^2 = 1/(MN) sum_{i,j>1} (F_ij - F_i,j-1)^2, CF^2 likewise down columns.",
               vifb="same on grey; on RGB VIFB indexes the M x N x 3 array as M x 3N (channels side by side)."),
    MetricSpec("AG", True, "Cui et al., Opt. Commun. 341, 2015",
               "AG = 1/((M-1)(N-1)) sum_{i<M,j<N} sqrt((dx^2 + dy^2)/2), forward differences.",
               vifb="MATLAB gradient() (central differences, one-sided at borders) summed over all MxN pixels, "
                    "divided by (M-1)(N-1)."),
    MetricSpec("MI", True, "Qu, Zhang & Yan, Electron. Lett. 38(7), 2002",
               "MI = MI(A,F) + MI(B,F) in bits; MI(X,F) = H(X) + H(F) - H(X,F) from the 256x256 joint histogram "
               "of the 8-bit grey levels.",
               vifb="each image min-max normalised to 0..255 (rounded) first; natural logarithm (nats)."),
    MetricSpec("CC", True, "Deshmukh & Bhosale, Int. J. Image Process. 4(5), 2010",
               "CC = (r(A,F) + r(B,F)) / 2, r = Pearson correlation."),
    MetricSpec("SCD", True, "Aslantas & Bendes, AEU Int. J. Electron. Commun. 69(12), 2015",
               "SCD = r(F - B, A) + r(F - A, B), r = Pearson correlation."),
    MetricSpec("VIF", True, "Sheikh & Bovik, IEEE TIP 15(2), 2006 (pixel-domain vifp_mscale)",
               "VIF = VIFp(A,F) + VIFp(B,F); VIFp: 4 scales, Gaussian windows N = 2^(5-s)+1, sigma = N/5, "
               "'valid' filtering, downsampling by 2, sigma_n^2 = 2; sum log10(1 + g^2 s1/(sv + sn)) / "
               "sum log10(1 + s1/sn).", min_size=41),
    MetricSpec("VIFF", True, "Han, Cai, Cao & Xu, Information Fusion 14(2), 2013",
               "VIF statistics of A->F and B->F per scale (sigma_n^2 = 0.005*255^2); per pixel the source with "
               "the smaller gain g is kept; per-scale ratio sum(VID + C)/sum(VIND + C), C = 1e-7; weighted sum "
               "with p = [1, 0, 0.15, 1]/2.15.", min_size=41),
    MetricSpec("Qabf", True, "Xydeas & Petrovic, Electron. Lett. 36(4), 2000",
               "Q^{AB/F} = sum(Q^AF w_A + Q^BF w_B)/sum(w_A + w_B), Sobel gradients (zero padding), "
               "Tg=0.9994, kg=-15, Dg=0.5, Ta=0.9879, ka=-22, Da=0.8, w = g (L = 1); G = 1 where g_S = g_F.",
               vifb="where g_S = g_F the strength ratio is set to g_F (metricsQabf.m), not 1."),
    MetricSpec("Qcv", False, "Chen & Varshney, Information Fusion 8(2), 2007",
               "Sobel-gradient saliency lambda = sum g^5 per 16x16 block; CSF-filtered (Mannos-Sakrison, "
               "r scaled by size/8) differences; Q = sum(lambda_A D_A + lambda_B D_B)/sum(lambda_A + lambda_B).",
               vifb="each image min-max normalised to 0..255 and rounded first (normalize1)."),
    MetricSpec("Qcb", True, "Chen & Blum, Image Vis. Comput. 27(10), 2009",
               "CSF (DoG, f0=15.387, f1=1.3456, a=0.7622) in the frequency domain, local contrast with "
               "Gaussians sigma=2/4 (31x31), masked contrast C^3/(C^2+1e-4); Q = mean(l_A Q_AF + l_B Q_BF).",
               vifb="each image min-max normalised to 0..255 and rounded first (normalize1)."),
    MetricSpec("Nabf", False, "Kumar, Signal Image Video Process. 9(5), 2015 (modified Petrovic-Xydeas N_abf)",
               "Nabf = sum na ((1 - Q_AF) w_A + (1 - Q_BF) w_B) / sum (w_A + w_B): Sobel/8 gradients on the image "
               "mirrored without its edge, Q = sqrt(Q_g Q_a) (Q_g: Nrg 0.9999, kg 19, sigma 0.5 on the strength ratio, "
               "0 where a gradient is 0; Q_a: Nra 0.9995, ka 22, sigma 0.5 on ||alpha_S - alpha_F| - pi/2| 2/pi), "
               "w = g^1.5 where g >= 2 else 0.001, na = 1 where g_F exceeds both g_A and g_B (artifacts).",
               min_size=3),
    MetricSpec("SSIM", True, "Wang, Bovik, Sheikh & Simoncelli, IEEE TIP 13(4), 2004",
               "SSIM = (SSIM(A,F) + SSIM(B,F))/2, Gaussian window 11x11 sigma 1.5, K = (0.01, 0.03), L = 255, "
               "mean over the 'valid' map.", vifb="sum SSIM(A,F) + SSIM(B,F) (metricsSsim.m).", min_size=11),
    MetricSpec("MS_SSIM", True, "Wang, Simoncelli & Bovik, Asilomar 2003",
               "(MS-SSIM(A,F) + MS-SSIM(B,F))/2, 5 scales, weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), "
               "2x2 average downsampling, negative cs clamped to 0; fewer scales (weights renormalised) when "
               "the image is smaller than 11*2^4 pixels.", min_size=11),
    MetricSpec("EI", True, "Xydeas & Petrovic 2000 / VIFB (edge intensity)",
               "EI = mean sqrt(Gx^2 + Gy^2), Sobel, replicate padding.", vifb="same (metricsEdge_intensity.m)."),
    MetricSpec("CE", False, "Bulanon et al., Biosyst. Eng. 103(1), 2009",
               "CE = (CE(A,F) + CE(B,F))/2, CE(X,F) = sum_l p_X log2(p_X/p_F) over levels where both are > 0.",
               vifb="grey levels by floor."),
    MetricSpec("PSNR", True, "Jagalingam & Hegde, Aquatic Procedia 4, 2015",
               "PSNR = 10 log10(255^2 / MSE), MSE = (MSE(A,F) + MSE(B,F))/2.",
               vifb="'mse' = sqrt(sum (X-F)^2)/(MN) (not squared error), PSNR = 20 log10(255/sqrt(mean of the two))."),
    MetricSpec("RMSE", False, "Jagalingam & Hegde, Aquatic Procedia 4, 2015",
               "RMSE = (sqrt(MSE(A,F)) + sqrt(MSE(B,F)))/2.",
               vifb="(sqrt(sum (A-F)^2) + sqrt(sum (B-F)^2)) / (2MN) (metricsRmse.m)."),
    MetricSpec("MSE", False, "Jagalingam & Hegde, Aquatic Procedia 4, 2015",
               "MSE = (MSE(A,F) + MSE(B,F))/2 on 8-bit levels, MSE(X,F) = 1/(MN) sum (X - F)^2."),
    MetricSpec("Brenner", True, "Brenner et al., J. Histochem. Cytochem. 24(1), 1976",
               "Brenner = 1/(MN) sum_{i,j} (F_i,j+2 - F_i,j)^2 (horizontal, no threshold).", kind="no-reference"),
    MetricSpec("NIQE", False, "Mittal, Soundararajan & Bovik, IEEE SPL 20(3), 2013",
               "NIQE of F: 96x96 patches, 36 NSS features at 2 scales, MVG distance to the pristine model "
               "(model parameters of the MATLAB release, shipped in absolutely-not-scikit-video).",
               kind="no-reference", fast=False, min_size=96),
    MetricSpec("CPBD", True, "Narvekar & Karam, IEEE TIP 20(9), 2011",
               "Cumulative probability of blur detection (CPBD_compute.m): share of the Sobel-vertical edge "
               "widths of the 64x64 Canny edge blocks whose P_blur = 1 - exp(-(w/w_JNB)^3.6) falls in histogram "
               "bins round(100 P) <= 63; w_JNB 5 (contrast <= 50) / 3.", kind="no-reference", fast=False),
    MetricSpec("JNB", True, "Ferzli & Karam, IEEE TIP 18(4), 2009",
               "Just-noticeable-blur sharpness (JNBM_compute.m): L / D with L all 64x64 blocks, "
               "D = (sum_b D_b^beta)^(1/beta) over the edge blocks (> 0.2% Canny pixels of the block), "
               "D_b = (sum_e |w(e)/w_JNB|^beta)^(1/beta) over the block's Sobel-vertical edges, "
               "w_JNB 5 (contrast <= 59) / 3, beta = 3.6.",
               kind="no-reference", fast=False),
    MetricSpec("Noise", False, "Donoho & Johnstone, Biometrika 81(3), 1994 (scikit-image estimate_sigma)",
               "Noise = median(|HH_1|) / 0.6745 over the non-zero HH_1, the finest diagonal db2 wavelet detail of F "
               "(8-bit levels; a flat F: 0): "
               "the robust estimate of an additive Gaussian noise sigma (ALAN's 'more noise', §4.2.2).",
               kind="no-reference", fast=False, min_size=4),
    MetricSpec("Combined", True, "fusionkit's own definition (AE-Netv2 names E_2 but does not define it)",
               "Combined = mean(EN/8, SSIM, min(VIFF,1), min(PSNR/60,1), max(0, 1 - NIQE/20), "
               "Brenner/(Brenner + 500)): each term in [0, 1], higher is better, built from the metrics "
               "AE-Netv2's Table VII lists (NIQE, SSIM, EN, PSNR, Brenner, VIFF).", fast=False, min_size=96),
]

METRICS: Registry[MetricSpec] = Registry("metric")
for _spec in _SPECS:
    METRICS.register(_spec.name)(_spec)
REGISTRY = METRICS  # name -> MetricSpec (mapping-style access kept for older code)
ALL = tuple(METRICS.names())
VIFB_METRICS = ("AG", "CE", "EI", "EN", "MI", "PSNR", "Qabf", "Qcb", "Qcv", "RMSE", "SF", "SSIM", "SD")
FAST_SUITE = tuple(n for n, s in REGISTRY.items() if s.fast)


def check_names(metrics) -> list[str]:
    names = list(ALL if metrics is None else ([metrics] if isinstance(metrics, str) else metrics))
    for m in names:
        METRICS.get(m)  # an unknown name: UnknownName (a ValueError) with close-match hints
    return names


def min_size(name: str, convention: str = "standard") -> int:
    """Smallest image side metric ``name`` works on under ``convention``."""
    return CONVENTION_MIN_SIZE.get(convention, {}).get(name, REGISTRY[name].min_size)


def check_size(names, shape, convention: str = "standard") -> None:
    small = [f"{n} (needs >= {min_size(n, convention)})" for n in names if min(shape) < min_size(n, convention)]
    if small:
        raise ValueError(f"images of shape {tuple(shape)} are too small for: {', '.join(small)}"
                         + ("" if convention == "standard" else f" (convention {convention!r})"))


def check_convention(convention: str) -> str:
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; valid: {', '.join(CONVENTIONS)}")
    return convention
