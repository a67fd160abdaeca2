"""Networks trained with fusionkit, as fusion methods: from the model zoo (by name), from a run
folder, or from a model in memory. ``methods.get("didfuse")`` loads the zoo's default DIDFuse."""
from __future__ import annotations

from typing import Any

from torch import nn

from ..registry import METHODS
from ..checkpoints import CheckpointError
from .released import DIDFuseMethod


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
        if _model is not None:
            self.model, self.record = _model, {}
        elif self.options["checkpoint"]:
            from ..runs import load_run

            self.model, self.record = load_run(self.options["checkpoint"])
        else:
            from .. import zoo

            try:
                entry = zoo.get("didfuse", self.options["model"])
            except CheckpointError as exc:
                raise CheckpointError(f"didfuse: {exc}. Or pass checkpoint=RUN_DIR (a folder under runs/didfuse/)"
                                      ) from None
            self.model, self.record = entry.build(), entry.meta

    @classmethod
    def from_model(cls, model: nn.Module, **options: Any) -> "DIDFuseTrained":
        """Wrap a DIDFuse network already in memory (e.g. just trained) with the same options."""
        return cls(_model=model, **options)
