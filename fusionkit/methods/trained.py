"""Networks trained with fusionkit, as fusion methods: from the model zoo (by name), from a run
folder, or from a model in memory. ``methods.get("didfuse")`` loads the zoo's default DIDFuse,
``methods.get("jcae")`` the default JCAE."""
from __future__ import annotations

from typing import Any

from torch import nn

from ..registry import METHODS
from ..checkpoints import CheckpointError
from .released import DIDFuseMethod, _NetMethod


def _load_trained(study: str, options: dict[str, Any], model: nn.Module | None) -> tuple[nn.Module, dict[str, Any]]:
    """(network, record) of a trained-here method: ``model`` when given (already in memory), else
    ``options['checkpoint']`` (a run folder, checkpoint.pt or zoo .pt), else zoo entry ``options['model']``."""
    if model is not None:
        return model, {}
    if options["checkpoint"]:
        from ..runs import load_run

        return load_run(options["checkpoint"])
    from .. import zoo

    try:
        entry = zoo.get(study, options["model"])
    except CheckpointError as exc:
        raise CheckpointError(f"{study}: {exc}. Or pass checkpoint=RUN_DIR (a folder under runs/{study}/)") from None
    return entry.build(), entry.meta


@METHODS.register("didfuse")
class DIDFuseTrained(DIDFuseMethod):
    """DIDFuse trained here (extended DIDFuse paper, ../shared/papers 002; any Table IV ablation).

    Options: ``model`` = a short name in ``zoo/didfuse/`` (default 'table5', the Table V model);
    ``checkpoint`` = instead, a run folder (``runs/didfuse/<key>``), its ``checkpoint.pt`` or a zoo
    ``.pt`` file; ``rule`` (default 'saliency+cam', the paper's choice after Table III); ``device``,
    ``fast`` (the optimised inference path), ``tile``, ``rule_tile``. Weights load with ``weights_only=True``.
    """

    name, citation = "didfuse", "Zhao et al., DIDFuse extended version (../shared/papers 002); trained here"
    defaults = {"model": "table5", "checkpoint": None, "rule": "saliency+cam", "device": None, "fast": True,
                "tile": 128, "rule_tile": 64}

    def __init__(self, _model: nn.Module | None = None, **options: Any):
        super().__init__(**options)
        self.rule = self._rule()
        self.model, self.record = _load_trained("didfuse", self.options, _model)

    @classmethod
    def from_model(cls, model: nn.Module, **options: Any) -> "DIDFuseTrained":
        """Wrap a DIDFuse network already in memory (e.g. just trained) with the same options."""
        return cls(_model=model, **options)


#: JCAE rule settings (method option ``rule``): (private-feature rule, common-feature rule), names in
#: :mod:`fusionkit.fusion_rules`. 'eq8+eq9' is the paper's (Sec. 2.5); the others are the ablation.
JCAE_RULES = {"eq8+eq9": ("max", "jcae-common"), "eq8+eq9-sum": ("max", "jcae-common-sum"),
              "sum": ("sum", "sum"), "average": ("average", "average"), "max": ("max", "max")}


@METHODS.register("jcae")
class JCAETrained(_NetMethod):
    """JCAE trained here (Zhang et al., ../shared/papers 001): joint convolution auto-encoder.

    Options: ``model`` = a short name in ``zoo/jcae/`` (default 'table1', the Table 1 model);
    ``checkpoint`` = instead, a run folder (``runs/jcae/<key>``), its ``checkpoint.pt`` or a zoo ``.pt``;
    ``rule``: 'eq8+eq9' (default: choose-max on the private features, eq. 8; eq. 9 on the common
    ones with L^m a count of non-zero activations), 'eq8+eq9-sum' (L^m a sum), or 'sum' / 'average' /
    'max' on both feature sets; ``device``. Weights load with ``weights_only=True``."""

    name, citation = "jcae", "Zhang, Gao, Xiong, Luo & Wu, JCAE (../shared/papers 001); trained here"
    defaults = {"model": "table1", "checkpoint": None, "rule": "eq8+eq9", "device": None}

    def __init__(self, _model: nn.Module | None = None, **options: Any):
        super().__init__(**options)
        from ..fusion_rules import RULES

        if self.options["rule"] not in JCAE_RULES:
            raise ValueError(f"jcae: unknown rule {self.options['rule']!r}; valid: {', '.join(JCAE_RULES)}")
        self.private_rule, self.common_rule = (RULES.get(r) for r in JCAE_RULES[self.options["rule"]])
        self.model, self.record = _load_trained("jcae", self.options, _model)

    @classmethod
    def from_model(cls, model: nn.Module, **options: Any) -> "JCAETrained":
        """Wrap a JCAE network already in memory (e.g. just trained) with the same options."""
        return cls(_model=model, **options)

    def _forward(self, a, b):
        return self.model.fuse(a, b, self.private_rule, self.common_rule)


@METHODS.register("aenetv2")
class AENetTrained(_NetMethod):
    """An AE-Netv2 network trained here (Fang et al., ../shared/papers 004): any architecture variant.

    Options: ``model`` = a short name in ``zoo/aenetv2/`` (default 'paper-gcb': AE-Netv2 with the group
    convolution block at the paper's schedule on the four-task mixture); ``checkpoint`` = instead, a run
    folder (``runs/aenetv2/<key>``), its ``checkpoint.pt`` or a zoo ``.pt``; ``device``; ``fast`` (default
    True: :class:`fusionkit.nets.aenetv2_fast.FastAENet`, BN folded, channels-last, ``tile``-pixel tiles, the
    same image to float rounding; networks with strided pooling run untiled), ``compile`` (the fast path under
    ``torch.compile``). Grey sources are fed as 6 channels (each repeated to 3, Table I). Weights load with
    ``weights_only=True``."""

    name, citation = "aenetv2", "Fang et al., AE-Netv2 (../shared/papers 004); trained here"
    defaults = {"model": "paper-gcb", "checkpoint": None, "device": None, "fast": True, "tile": 128,
                "compile": False}

    def __init__(self, _model: nn.Module | None = None, **options: Any):
        super().__init__(**options)
        self.model, self.record = _load_trained("aenetv2", self.options, _model)

    @classmethod
    def from_model(cls, model: nn.Module, **options: Any) -> "AENetTrained":
        """Wrap an AE-Netv2 network already in memory (e.g. just trained)."""
        return cls(_model=model, **options)

    def _forward(self, a, b):
        if not self.options["fast"]:
            return self.model(a, b)
        from ..nets.aenetv2_fast import FastAENet, receptive_radius

        if getattr(self, "_fast_dev", None) != a.device:  # fold once per device
            try:
                receptive_radius(self.model)
                tile = self.options["tile"]
            except ValueError:  # strided pooling (aenetv2-m): no tiles
                tile = None
            self._fast, self._fast_dev = FastAENet(self.model, self.options["compile"], tile), a.device
        return self._fast(a, b)


@METHODS.register("aenetv2-gcb")
class AENetGCB(AENetTrained):
    """AE-Netv2 (GCB), the paper's Fig. 2 network, zoo model 'paper-gcb' (see :class:`AENetTrained`)."""

    name = "aenetv2-gcb"
    defaults = {**AENetTrained.defaults, "model": "paper-gcb"}


@METHODS.register("aenetv2-squeeze-gcb")
class AENetSqueezeGCB(AENetTrained):
    """AE-Netv2 with R = fire module + GCB, the paper's recommended architecture (Table VII), zoo model
    'paper-squeeze-gcb' (see :class:`AENetTrained`)."""

    name = "aenetv2-squeeze-gcb"
    defaults = {**AENetTrained.defaults, "model": "paper-squeeze-gcb"}


@METHODS.register("fmmf")
class FMMFTrained(_NetMethod):
    """FMMF trained here (Rao et al., ../shared/papers 003): two encoders, the mapping fusion module, the
    aggregating decoder, trained end to end with Var-SSIM; or any Table 4-7 variant (VIF-Net included).

    Options: ``model`` = a short name in ``zoo/fmmf/`` (default 'mapping', the paper's main model: Tables 1-3);
    ``checkpoint`` = instead, a run folder (``runs/fmmf/<key>``), its ``checkpoint.pt`` or a zoo ``.pt``;
    ``device``; ``chunk`` (query positions per attention call, which bounds peak memory; default
    :data:`fusionkit.nets.fmmf.CHUNK`). The infrared or first source is ``a``. Weights load with
    ``weights_only=True``."""

    name, citation = "fmmf", "Rao, Wu, Xu & Chen, FMMF (../shared/papers 003); trained here"
    defaults = {"model": "mapping", "checkpoint": None, "device": None, "chunk": None}

    def __init__(self, _model: nn.Module | None = None, **options: Any):
        super().__init__(**options)
        self.model, self.record = _load_trained("fmmf", self.options, _model)

    @classmethod
    def from_model(cls, model: nn.Module, **options: Any) -> "FMMFTrained":
        """Wrap an FMMF (or VIF-Net) network already in memory (e.g. just trained)."""
        return cls(_model=model, **options)

    def _forward(self, a, b):
        from ..nets.fmmf import CHUNK

        if hasattr(self.model, "mapping"):
            return self.model(a, b, chunk=self.options["chunk"] or CHUNK)
        return self.model(a, b)


@METHODS.register("alan")
class ALANTrained(_NetMethod):
    """ALAN trained here (Fang, Zhao & Zhang, ../shared/papers 000): the unsupervised main network with channel
    attention and learned per-pixel fusion weights (eq. 5-6), fed by the frozen reconstruction and multi-focus
    sub-task networks through lateral connections (eq. 7); or any Fig. 11 network / ablation of the zoo.

    Options: ``model`` = a short name in ``zoo/alan/`` (default 'full', the paper's ALAN: Figs 7-10);
    ``checkpoint`` = instead, a run folder (``runs/alan/<key>``), its ``checkpoint.pt`` or a zoo ``.pt``;
    ``rule``: 'learned' (the network's own weights, default) or a fixed criterion of Fig. 10 ('max', 'sum',
    'mean'; :meth:`fusionkit.nets.alan.ALAN.fuse_with`); ``device``. A reconstruction or multi-focus
    sub-task network fuses as its skeleton does. Weights load with ``weights_only=True``."""

    name, citation = "alan", "Fang, Zhao & Zhang, ALAN (../shared/papers 000); trained here"
    defaults = {"model": "full", "checkpoint": None, "device": None, "rule": "learned"}

    def __init__(self, _model: nn.Module | None = None, **options: Any):
        from ..nets.alan import FUSIONS

        super().__init__(**options)
        if self.options["rule"] not in FUSIONS:
            raise ValueError(f"alan: unknown rule {self.options['rule']!r}; valid: {', '.join(FUSIONS)}")
        self.model, self.record = _load_trained("alan", self.options, _model)
        if not hasattr(self.model, "fuse_with"):
            raise ValueError("alan: the model is not a fusion network (the reconstruction sub-task has one "
                             "input); pick a main-task or multi-focus model")

    @classmethod
    def from_model(cls, model: nn.Module, **options: Any) -> "ALANTrained":
        """Wrap an ALAN network already in memory (e.g. just trained)."""
        return cls(_model=model, **options)

    def _forward(self, a, b):
        return self.model.fuse_with(a, b, self.options["rule"])
