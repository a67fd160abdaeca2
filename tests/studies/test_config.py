"""Typed study configs: presets over the paper's defaults, validated overrides."""
import pytest

from fusionkit.studies import data, didfuse


def test_paper_profile_is_the_dataclass_defaults():
    cfg = didfuse.config("paper")
    assert cfg == didfuse.Config(profile="paper")
    assert (cfg.epochs, cfg.batch_size, cfg.crop, cfg.lr, cfg.lr_step, cfg.runs) == (120, 24, 128, 1e-3, 40, 25)


def test_presets_and_overrides_apply_in_order():
    q = didfuse.config("quick", epochs=3)
    assert q.profile == "quick" and q.epochs == 3 and q.crop == didfuse.PRESETS["quick"]["crop"]
    assert didfuse.config("smoke").rule == "weighted+cam"
    # YAML gives lists and ints; fields are tuples and floats
    c = didfuse.config("smoke", baselines=["avg", "gff"], lr=1)
    assert c.baselines == ("avg", "gff") and isinstance(c.lr, float)


def test_unknown_names_types_and_profiles_are_errors_naming_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['epoch'\].*valid: seed, device, runs"):
        didfuse.config("smoke", epoch=3)
    with pytest.raises(ValueError, match="Config.epochs: 'abc' is not a valid int"):
        didfuse.config("smoke", epochs="abc")
    with pytest.raises(ValueError, match="None is not allowed"):
        didfuse.config("smoke", epochs=None)
    assert didfuse.config("smoke", lr_step=None).lr_step is None
    with pytest.raises(ValueError, match="valid: smoke, quick, paper"):
        data.config("huge")


def test_config_is_frozen():
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        didfuse.config("smoke").epochs = 5
