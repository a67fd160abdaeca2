"""fusionkit.registry: one Registry for methods, nets, rules, metrics and studies."""
import pytest

from fusionkit.registry import METHODS, NETS, RULES, Registry, UnknownName


def test_register_get_names_and_duplicates():
    reg = Registry("widget")

    @reg.register("alpha", colour="red")
    def alpha():
        return 1

    reg.register("beta")(42)
    assert reg.get("alpha") is alpha and reg["beta"] == 42 and reg.meta["alpha"] == {"colour": "red"}
    assert reg.names() == ["alpha", "beta"] and list(reg) == ["alpha", "beta"] and len(reg) == 2
    assert "alpha" in reg and "gamma" not in reg
    with pytest.raises(ValueError, match="widget 'alpha' is already registered"):
        reg.register("alpha")(0)


def test_unknown_name_suggests_close_matches_and_is_both_value_and_key_error():
    reg = Registry("net")
    for n in ("didfuse", "ifcnn", "jcae"):
        reg.register(n)(n)
    with pytest.raises(UnknownName, match=r"unknown net 'didfus' \(did you mean 'didfuse'\?\); valid: didfuse, ifcnn"):
        reg.get("didfus")
    with pytest.raises(KeyError):
        reg.get("zzz")
    with pytest.raises(ValueError, match=r"unknown net 'zzz'; valid: didfuse, ifcnn, jcae"):
        reg.get("zzz")


def test_package_registries_are_filled_at_definition():
    import fusionkit.fusion_rules  # noqa: F401
    import fusionkit.methods  # noqa: F401
    from fusionkit.metrics.registry import METRICS
    from fusionkit.nets import build
    from fusionkit.studies import STUDIES

    assert {"didfuse", "ifcnn"} <= set(NETS) and build("ifcnn", scheme="sum").scheme == "sum"
    assert {"gff", "didfuse-ijcai", "didfuse"} <= set(METHODS) and METHODS.get("gff").name == "gff"
    assert RULES.get("sum").pointwise and not RULES.get("saliency+cam").pointwise
    assert "VIF" in METRICS and METRICS.get("RMSE").higher_is_better is False
    assert STUDIES.names()[:2] == ["data", "didfuse"]
    with pytest.raises(ValueError, match="did you mean 'saliency'"):
        RULES.get("salency")


def test_methods_never_import_studies():
    import subprocess
    import sys

    code = "import sys, fusionkit.methods; print([m for m in sys.modules if m.startswith('fusionkit.studies')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
