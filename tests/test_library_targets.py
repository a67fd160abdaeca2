"""Autonomous-evolution targets (fusionkit.library_targets, AE-Netv2 Algorithm 1): crops, cache hits, invalidation,
best-of-library targets and the continuous-learning property."""
import numpy as np
import pytest
import torch

from fusionkit.methods.base import FusionMethod
from fusionkit.library_targets import (Crop, MethodResult, TargetCache, best_targets, cropset_key, library_targets,
                               load_crops, method_fingerprint, sample_crops)

SETS = [("didfuse-tno", None)]


class Weighted(FusionMethod):
    """A test method: w a + (1 - w) b; counts its calls so cache hits can be seen."""

    name = "test-weighted"
    defaults = {"w": 0.5}
    calls = 0

    def _fuse(self, a, b):
        type(self).calls += 1
        return self.options["w"] * a + (1 - self.options["w"]) * b


@pytest.fixture(scope="module")
def crops():
    return sample_crops(SETS, size=96, per_pair=2, seed=0, limit=2)


def test_crops_are_deterministic_inside_the_image_and_seed_dependent(crops):
    assert crops == sample_crops(SETS, size=96, per_pair=2, seed=0, limit=2)
    assert crops != sample_crops(SETS, size=96, per_pair=2, seed=1, limit=2)
    assert len(crops) == 4 and len({c.pair for c in crops}) == 2
    a, b = load_crops(crops)
    assert a.shape == b.shape == (4, 1, 96, 96) and 0 <= float(a.min()) and float(a.max()) <= 1
    assert all(c.y >= 0 and c.x >= 0 for c in crops)


def test_a_crop_larger_than_the_image_is_an_error_naming_the_pair():
    with pytest.raises(ValueError, match=r"didfuse-tno/.* is smaller than the 5000x5000 crop"):
        sample_crops(SETS, size=5000, limit=1)


def test_cropset_key_changes_with_any_crop(crops):
    moved = list(crops)
    moved[0] = Crop(**{**moved[0].__dict__, "x": moved[0].x + 1})
    assert cropset_key(crops) == cropset_key(list(crops)) != cropset_key(moved)


def test_fingerprint_follows_options_and_network_weights():
    assert method_fingerprint(Weighted(w=0.5)) == method_fingerprint(Weighted(w=0.5))
    assert method_fingerprint(Weighted(w=0.5)) != method_fingerprint(Weighted(w=0.4))
    m1, m2 = Weighted(), Weighted()
    m1.model, m2.model = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    with torch.no_grad():
        m2.model.weight.copy_(m1.model.weight)
        m2.model.bias.copy_(m1.model.bias)
    assert method_fingerprint(m1) == method_fingerprint(m2)
    with torch.no_grad():
        m2.model.bias.add_(1e-3)
    assert method_fingerprint(m1) != method_fingerprint(m2)


def test_cache_hit_reads_without_fusing_and_only_changed_methods_recompute(crops, tmp_path):
    cache = TargetCache(tmp_path)
    images = load_crops(crops)
    Weighted.calls = 0
    _, first = library_targets([Weighted(w=0.5), Weighted(w=0.9)], crops, cache, images)
    assert Weighted.calls == 2 * len(crops) and all(r.seconds > 0 for r in first)
    # same library again: every entry is a hit, nothing is fused
    _, again = library_targets([Weighted(w=0.5), Weighted(w=0.9)], crops, cache, images)
    assert Weighted.calls == 2 * len(crops) and all(r.seconds == 0 for r in again)
    for r0, r1 in zip(first, again):
        assert torch.equal(r0.fused, r1.fused) and np.array_equal(r0.scores, r1.scores)
    # a method changed (w 0.9 -> 0.8) and one added: exactly those two are computed
    _, third = library_targets([Weighted(w=0.5), Weighted(w=0.8), Weighted(w=0.1)], crops, cache, images)
    assert Weighted.calls == 4 * len(crops)
    assert [r.seconds == 0 for r in third] == [True, False, False]
    assert len(list(tmp_path.glob("*/*.npz"))) == 4


def test_target_is_the_per_crop_best_and_a_larger_library_never_lowers_it():
    n, s = 3, 4
    fused = [torch.full((n, 1, s, s), float(v)) for v in (0.1, 0.2, 0.3)]
    results = [MethodResult(f"m{i}", "", f, sc, 0.0) for i, (f, sc) in
               enumerate(zip(fused, [np.array([0.5, 0.1, 0.3]), np.array([0.4, 0.6, 0.3]), np.array([0.2, 0.2, 0.9])]))]
    t = best_targets(results[:2])
    assert t.method == ["m0", "m1", "m0"]  # ties go to the earlier method
    assert np.allclose(t.score, [0.5, 0.6, 0.3])
    assert torch.allclose(t.target[:, 0, 0, 0], torch.tensor([0.1, 0.2, 0.1]))
    assert t.shares() == {"m0": 2 / 3, "m1": 1 / 3}
    bigger = best_targets(results)
    assert np.all(bigger.score >= t.score) and bigger.method[2] == "m2"


def test_empty_library_is_an_error():
    with pytest.raises(ValueError, match="library is empty"):
        best_targets([])


def test_named_subsets_and_sequences():
    """A study's own split (pair names) and multi-exposure series (first and last exposure)."""
    from fusionkit.data.datasets import FusionDataset

    sub = sample_crops([("cddfuse-mri-ct", None, ("12", "11"))], size=64, per_pair=1)
    assert [c.pair for c in sub] == ["12", "11"]
    with pytest.raises(ValueError, match="no pair"):
        sample_crops([("cddfuse-mri-ct", None, ("nope",))], size=64)
    seq = sample_crops([("ifcnn-me", None)], size=64, per_pair=1, limit=1)
    assert seq[0].kind == "sequences"
    a, b = load_crops(seq)
    srcs = FusionDataset("ifcnn-me", None, kind="sequences", mode="gray").load_sources(0)
    c = seq[0]
    assert torch.equal(a[0], srcs[0][:, c.y:c.y + 64, c.x:c.x + 64])
    assert torch.equal(b[0], srcs[-1][:, c.y:c.y + 64, c.x:c.x + 64]) and len(srcs) > 2


def test_merge_concatenates_crop_sets_and_refuses_different_libraries():
    from fusionkit.library_targets import merge

    def part(v, n):
        rs = [MethodResult(m, m, torch.full((n, 1, 2, 2), v + i), np.full(n, v + i), 1.0) for i, m in enumerate("xy")]
        return best_targets(rs), rs

    t, res = merge([part(0.1, 2), part(0.5, 3)])
    assert len(t.method) == 5 and t.method == ["y"] * 5 and np.allclose(t.score, [1.1, 1.1, 1.5, 1.5, 1.5])
    assert [r.fused.shape[0] for r in res] == [5, 5] and [r.seconds for r in res] == [2.0, 2.0]
    other = best_targets([MethodResult("z", "z", torch.zeros(1, 1, 2, 2), np.zeros(1), 0.0)]), []
    with pytest.raises(ValueError, match="different libraries"):
        merge([part(0.1, 2), other])


def test_a_fresh_result_equals_its_cached_copy_exactly(crops, tmp_path):
    cache = TargetCache(tmp_path)
    images = load_crops(crops)
    fresh = cache.result(Weighted(w=0.3), crops, *images)
    cached = cache.result(Weighted(w=0.3), crops, *images)
    assert fresh.seconds > 0 and cached.seconds == 0
    assert torch.equal(fresh.fused, cached.fused) and np.array_equal(fresh.scores, cached.scores)
