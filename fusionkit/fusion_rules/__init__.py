"""Feature-level fusion rules as pure functions on (N, C, H, W) tensors, registered by name.

``RULES.get("saliency+cam")`` gives a :class:`Rule`: callable like the function it wraps, with
``pointwise`` telling whether the output at a pixel depends only on the inputs at that pixel (then a
network may apply it tile by tile, :mod:`fusionkit.nets.didfuse_fast`).

* :mod:`.base`: the rule type and the element-wise rules (sum, average, max, l1);
* :mod:`.filters`: box mean and guided filter;
* :mod:`.didfuse_attention`: the DIDFuse fusion layer (spatial attention x channel attention);
* :mod:`.jcae`: JCAE's eq. (9) for common features.
"""
from ..registry import RULES
from .base import Rule, Split, average_rule, get_rule, l1_rule, max_rule, rule, sum_rule
from .didfuse_attention import (SPATIAL, channel_attention, didfuse_fusion_layer, histogram_saliency,
                                l1_attention, saliency_attention, saliency_table, weighted_average)
from .filters import box_mean, guided_filter
from .jcae import JCAE_ACTIVITIES, jcae_common, jcae_layer_activity, weighted_branch_share

__all__ = ["RULES", "Rule", "Split", "average_rule", "box_mean", "channel_attention", "didfuse_fusion_layer",
           "get_rule", "guided_filter", "histogram_saliency", "jcae_common", "jcae_layer_activity",
           "JCAE_ACTIVITIES", "l1_attention", "l1_rule", "max_rule", "rule", "saliency_attention", "weighted_branch_share",
           "saliency_table", "SPATIAL", "sum_rule", "weighted_average"]
