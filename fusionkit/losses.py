"""Loss terms as functions on (N, C, H, W) tensors in [0, 1]; each paper composes them.

DIDFuse (extended paper, ../shared/papers 002, eqs. (1)-(5), (26)-(29)) is composed in
:func:`didfuse_loss` in two named variants:

* ``"paper"``: L = tanh(||B_V - B_I||^2) - a1 tanh(||D_V - D_I||^2) + a2 f(I, I^) + a3 f(V, V^)
  + a4 ||grad V - grad V^||_1 with f(X, X^) = ||X - X^||^2 + lam (1 - SSIM)/2, a1 = 0.05, a2 = a3 = 2,
  a4 = 10, lam = 5; squared norms as means; grad = forward differences ([-1, 1], as the paper's g_x, g_y).
* ``"released"``: the authors' train.py: a1 = 0.5, l1 (mean absolute) feature gaps, kornia
  ``SpatialGradient`` (normalised Sobel) for the gradient term.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

DIDFUSE_VARIANTS = {
    "paper": {"a1": 0.05, "a2": 2.0, "a3": 2.0, "a4": 10.0, "lam": 5.0, "gap": "l2", "grad": "diff"},
    "released": {"a1": 0.5, "a2": 2.0, "a3": 2.0, "a4": 10.0, "lam": 5.0, "gap": "l1", "grad": "sobel"},
}
ABLATIONS = ("none", "no_base", "no_detail", "no_decomposition", "plain_ae")


def ssim_loss(x: torch.Tensor, y: torch.Tensor, window: int = 11) -> torch.Tensor:
    """(1 - SSIM(x, y)) / 2 with kornia's Gaussian-window SSIM (DIDFuse eq. (4))."""
    import kornia

    return kornia.losses.ssim_loss(x, y, window_size=window, max_val=1.0)


def gradient(x: torch.Tensor, kind: str = "diff") -> torch.Tensor:
    """(N, C, 2, H, W) image gradient: forward differences ('diff', zero at the last row/column) or
    kornia's normalised Sobel ('sobel', as DIDFuse's released code)."""
    if kind == "sobel":
        import kornia

        return kornia.filters.spatial_gradient(x, mode="sobel", normalized=True)
    if kind != "diff":
        raise ValueError(f"unknown gradient kind {kind!r}; valid: diff, sobel")
    gx = F.pad(x[..., :, 1:] - x[..., :, :-1], (0, 1, 0, 0))
    gy = F.pad(x[..., 1:, :] - x[..., :-1, :], (0, 0, 0, 1))
    return torch.stack([gx, gy], dim=2)


def gradient_loss(x: torch.Tensor, y: torch.Tensor, kind: str = "diff") -> torch.Tensor:
    """Mean |grad x - grad y| (DIDFuse's a4 term)."""
    return (gradient(x, kind) - gradient(y, kind)).abs().mean()


def reconstruction_loss(x: torch.Tensor, x_hat: torch.Tensor, lam: float = 5.0) -> torch.Tensor:
    """f(X, X^) = mean (X - X^)^2 + lam (1 - SSIM)/2 (DIDFuse eq. (3))."""
    return F.mse_loss(x_hat, x) + lam * ssim_loss(x, x_hat)


def _gap(p: torch.Tensor, q: torch.Tensor, kind: str) -> torch.Tensor:
    return F.mse_loss(p, q) if kind == "l2" else F.l1_loss(p, q)


def didfuse_loss(ir: torch.Tensor, vis: torch.Tensor, ir_hat: torch.Tensor, vis_hat: torch.Tensor,
                 feats_ir, feats_vis, variant: str = "paper", ablation: str = "none") -> dict[str, torch.Tensor]:
    """DIDFuse total loss and its terms (eq. (5); ablations eqs. (26)-(29)).

    ``feats_*`` are the encoder outputs (conv1, conv2, base, detail). Ablations: 'no_base' (26),
    'no_detail' (27), 'no_decomposition' (28), 'plain_ae' (29: reconstruction of each image alone,
    no decomposition, the gradient term on both images).
    """
    if variant not in DIDFUSE_VARIANTS:
        raise ValueError(f"unknown DIDFuse loss variant {variant!r}; valid: {', '.join(DIDFUSE_VARIANTS)}")
    if ablation not in ABLATIONS:
        raise ValueError(f"unknown ablation {ablation!r}; valid: {', '.join(ABLATIONS)}")
    p = DIDFUSE_VARIANTS[variant]
    gap_b = _gap(feats_vis[2], feats_ir[2], p["gap"])
    gap_d = _gap(feats_vis[3], feats_ir[3], p["gap"])
    rec_i = reconstruction_loss(ir, ir_hat, p["lam"])
    rec_v = reconstruction_loss(vis, vis_hat, p["lam"])
    grad_v = gradient_loss(vis, vis_hat, p["grad"])
    base_term, detail_term = torch.tanh(gap_b), -p["a1"] * torch.tanh(gap_d)
    if ablation == "plain_ae":
        grad_i = gradient_loss(ir, ir_hat, p["grad"])
        total = p["a2"] * (rec_i + rec_v) / 2 + p["a4"] * (grad_i + grad_v) / 2
    else:
        total = p["a2"] * rec_i + p["a3"] * rec_v + p["a4"] * grad_v
        if ablation not in ("no_base", "no_decomposition"):
            total = total + base_term
        if ablation not in ("no_detail", "no_decomposition"):
            total = total + detail_term
    return {"total": total, "gap_base": gap_b, "gap_detail": gap_d, "recon_ir": rec_i, "recon_vis": rec_v,
            "grad_vis": grad_v}


def didfuse_training_loss(variant: str = "paper", ablation: str = "none"):
    """A ``loss_fn(model, batch)`` for :class:`fusionkit.train.Trainer`: batch['a'] infrared,
    batch['b'] visible, both (N, 1, H, W); one forward pass over the concatenated pair."""

    def loss_fn(model, batch):
        ir, vis = batch["a"], batch["b"]
        n = ir.shape[0]
        out, feats = model(torch.cat([ir, vis]), return_features=True)
        f_ir = [f[:n] for f in feats]
        f_vis = [f[n:] for f in feats]
        return didfuse_loss(ir, vis, out[:n], out[n:], f_ir, f_vis, variant, ablation)

    return loss_fn


# ----------------------------------------------------------------------------- JCAE
def ssim_value(x: torch.Tensor, y: torch.Tensor, window: int = 11) -> torch.Tensor:
    """Mean SSIM (kornia: Gaussian window ``window``, sigma 1.5, K = (0.01, 0.03), data range 1)."""
    import kornia

    return kornia.metrics.ssim(x, y, window_size=window, max_val=1.0).mean()


def jcae_loss(x: torch.Tensor, x_hat: torch.Tensor, lam: float = 100.0) -> dict[str, torch.Tensor]:
    """JCAE eqs. (5)-(7) for one image: L = L_mse + lam (1 - SSIM(x_hat, x)), lam = 100 (Sec. 3.2).

    Eq. (6) as printed is sqrt(1/MN) * sum (I - O), a signed sum that is not the mean squared error
    the text names (it can be negative and reward errors of one sign); we use the MSE,
    mean (I - O)^2."""
    mse = F.mse_loss(x_hat, x)
    ssim = 1 - ssim_value(x_hat, x)
    return {"total": mse + lam * ssim, "mse": mse, "ssim_loss": ssim}


def jcae_training_loss(lam: float = 100.0):
    """A ``loss_fn(model, batch)`` for :class:`fusionkit.train.Trainer`: eq. (4)'s two reconstructions
    (infrared ``batch['a']``, visible ``batch['b']``), each scored by :func:`jcae_loss`, summed."""

    def loss_fn(model, batch):
        out = model(batch["a"], batch["b"])
        la, lb = jcae_loss(batch["a"], out["a_hat"], lam), jcae_loss(batch["b"], out["b_hat"], lam)
        return {"total": la["total"] + lb["total"], "mse_ir": la["mse"], "mse_vis": lb["mse"],
                "ssim_loss_ir": la["ssim_loss"], "ssim_loss_vis": lb["ssim_loss"]}

    return loss_fn


def aenet_loss(p: torch.Tensor, target: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
               fidelity: float = 0.1) -> dict[str, torch.Tensor]:
    """AE-Netv2's training loss (../shared/papers 004, Algorithm 1, "unsupervised" branch), as we read it.

    The pseudo-code is garbled: ``L_p = Argmin E(p_i, O) + C[L(x_i, y_i), 0]`` (unsupervised) and
    ``Argmin (E(x_i, p_i) + E(y_i, p_i)) / 2`` (supervised). We take E(u, v) = |u - v|_1 + (1 - SSIM(u, v))
    as the distance to the target O and the supervised branch's source term as the "C[...]" part,
    weighted by ``fidelity``:

        L = mean|P - O| + (1 - SSIM(P, O)) + fidelity * ((1 - SSIM(P, x)) + (1 - SSIM(P, y))) / 2.

    The first two terms pull the network towards the library's best fusion O; the last keeps the
    structure of both sources (a target picked from one source's side cannot drop the other)."""
    l1 = (p - target).abs().mean()
    ssim_o = 1 - ssim_value(p, target)
    src = ((1 - ssim_value(p, x)) + (1 - ssim_value(p, y))) / 2
    return {"total": l1 + ssim_o + fidelity * src, "l1_target": l1, "ssim_target": ssim_o, "ssim_sources": src}


def aenet_training_loss(fidelity: float = 0.1):
    """A ``loss_fn(model, batch)`` for :class:`fusionkit.train.Trainer`: batch 'a', 'b' (sources) and
    'target' (Algorithm 1's O), each (N, 1, H, W); the network maps (a, b) to P."""

    def loss_fn(model, batch):
        p = model(batch["a"], batch["b"])
        return aenet_loss(p, batch["target"], batch["a"], batch["b"], fidelity)

    return loss_fn


# ----------------------------------------------------------------------------- FMMF
VAR_SSIM_CRITERIA = ("var", "mean")


def window_stat(x: torch.Tensor, window: int = 11, stat: str = "var") -> torch.Tensor:
    """Per-window statistic of ``x`` over every ``window`` x ``window`` patch (stride 1, 'valid': only whole
    patches): the patch variance of FMMF eq. (3) (uniform weights, divided by MN) or the patch mean."""
    mean = F.avg_pool2d(x, window, stride=1)
    if stat == "mean":
        return mean
    if stat == "var":
        return (F.avg_pool2d(x * x, window, stride=1) - mean * mean).clamp_min(0)
    raise ValueError(f"window_stat: stat={stat!r}, expected 'var' or 'mean'")


def var_ssim_map(x: torch.Tensor, y: torch.Tensor, f: torch.Tensor, window: int = 11,
                 criterion: str = "var") -> torch.Tensor:
    """FMMF eq. (4) per window: SSIM(X, F) where the criterion of X's patch is larger, else SSIM(Y, F) (ties
    go to Y, as eq. (4) reads: ``sigma^2(Y) >= sigma^2(X)``). ``criterion='var'`` is FMMF's (eq. 3);
    ``'mean'`` is VIF-Net's (the source whose patch has the larger mean; FMMF Tables 4-5, "Ours(Mean)").
    SSIM is Wang et al.'s [56] (kornia: Gaussian 11x11 window, sigma 1.5, K = (0.01, 0.03), data range 1),
    on the same whole patches ('valid'); the selection statistic uses the plain patch, as eq. (3) defines it."""
    import kornia

    if criterion not in VAR_SSIM_CRITERIA:
        raise ValueError(f"var_ssim: criterion={criterion!r}, expected one of {VAR_SSIM_CRITERIA}")
    ssim_x = kornia.metrics.ssim(x, f, window_size=window, max_val=1.0, padding="valid")
    ssim_y = kornia.metrics.ssim(y, f, window_size=window, max_val=1.0, padding="valid")
    pick_x = window_stat(x, window, criterion) > window_stat(y, window, criterion)
    return torch.where(pick_x, ssim_x, ssim_y)


def var_ssim_loss(x: torch.Tensor, y: torch.Tensor, f: torch.Tensor, window: int = 11,
                  criterion: str = "var") -> torch.Tensor:
    """FMMF eq. (5): L = 1 - the mean over windows of :func:`var_ssim_map`."""
    return 1 - var_ssim_map(x, y, f, window, criterion).mean()


def fmmf_training_loss(criterion: str = "var", window: int = 11):
    """A ``loss_fn(model, batch)`` for :class:`fusionkit.train.Trainer`: infrared ``batch['a']``, visible
    ``batch['b']``, fused ``model(a, b)``, the single loss of FMMF §3.3 (``criterion='mean'``: VIF-Net's)."""
    if criterion not in VAR_SSIM_CRITERIA:
        raise ValueError(f"fmmf_training_loss: criterion={criterion!r}, expected one of {VAR_SSIM_CRITERIA}")

    def loss_fn(model, batch):
        fused = model(batch["a"], batch["b"])
        return {"total": var_ssim_loss(batch["a"], batch["b"], fused, window, criterion)}

    return loss_fn


# ----------------------------------------------------------------------------- ALAN
ALAN_TERMS = ("ssim", "psnr", "content", "mse")


def psnr_loss(x: torch.Tensor, y: torch.Tensor | Sequence[torch.Tensor], scale: float = 50.0,
              eps: float = 1e-10) -> torch.Tensor:
    """ALAN's L_PSNR (eq. 4 turned into a loss): 1 - PSNR(x, y) / ``scale`` with PSNR = 10 log10(1 / MSE) on
    [0, 1] images, PSNR per image then averaged. The paper gives only the PSNR formula; ``scale`` = 50 dB
    (an 8-bit image's near-perfect PSNR) puts the term on the scale of the others. Its gradient is that of
    10 log10(MSE) / scale: a log-MSE, strongest where the error is small.

    ``y`` a sequence of references (the main task's two sources): the PSNR of the *mean* MSE over them. The
    mean of per-source PSNRs is degenerate: the log is unbounded near a zero error, so copying one source
    exactly (about 100 dB against it with ``eps``) outweighs everything else; our first main-task training
    learnt just that (docs/studies/alan.md#loss)."""
    refs = [y] if isinstance(y, torch.Tensor) else list(y)
    mse = sum((x - r).pow(2).flatten(1).mean(1) for r in refs) / len(refs)
    return (1 - 10 * torch.log10(1 / (mse + eps)) / scale).mean()


def alan_loss(f: torch.Tensor, refs: tuple[torch.Tensor, ...], features=None,
              weights: dict[str, float] | None = None, psnr_scale: float = 50.0,
              psnr: str = "joint") -> dict[str, torch.Tensor]:
    """ALAN eq. 8, L = L_SSIM + L_PSNR + L_content + L_MSE, of the output ``f`` against ``refs``: one target
    for the supervised sub-tasks, the two sources for the unsupervised main task, where each term is the
    mean of the term against each source (the paper does not say how the sources enter; docs/studies/alan.md).

    - L_SSIM = 1 - SSIM (eq. 1; kornia, Gaussian 11x11 window);
    - L_MSE: mean squared error (eq. 2);
    - L_content (eq. 3, Johnson et al.'s perceptual loss): the mean squared difference of ``features(f)`` and
      ``features(ref)``, summed over the feature maps ``features`` returns (a list); 0 without ``features``;
    - L_PSNR: :func:`psnr_loss`; against several references ``psnr`` 'joint' (default) takes the PSNR of the
      mean MSE, 'mean' the mean of the per-reference PSNRs (degenerate: it rewards copying one source).

    ``weights``: a factor per term (default 1 each, as eq. 8 writes)."""
    w = {t: 1.0 for t in ALAN_TERMS} | (weights or {})
    unknown = set(w) - set(ALAN_TERMS)
    if unknown:
        raise ValueError(f"alan_loss weights: unknown terms {sorted(unknown)} (expected {', '.join(ALAN_TERMS)})")
    if psnr not in ("joint", "mean"):
        raise ValueError(f"alan_loss: psnr={psnr!r}, expected 'joint' or 'mean'")
    n = len(refs)
    terms = {"ssim": sum(1 - ssim_value(f, r) for r in refs) / n,
             "psnr": (psnr_loss(f, refs, psnr_scale) if psnr == "joint"
                      else sum(psnr_loss(f, r, psnr_scale) for r in refs) / n),
             "mse": sum(F.mse_loss(f, r) for r in refs) / n}
    if features is not None:
        phi_f = features(f)
        content = 0.0
        for r in refs:
            with torch.no_grad():
                phi_r = features(r)
            content = content + sum(F.mse_loss(a, b) for a, b in zip(phi_f, phi_r))
        terms["content"] = content / n
    else:
        terms["content"] = f.new_zeros(())
    terms["total"] = sum(w[t] * terms[t] for t in ALAN_TERMS)
    return terms
