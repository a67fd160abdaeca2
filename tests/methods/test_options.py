"""Method options are type-checked against their defaults, in the Python API and from the CLI."""
import numpy as np
import pytest

from fusionkit import methods
from fusionkit.data import save_image
from fusionkit.methods.base import FusionMethod


class Toy(FusionMethod):
    name = "toy"
    defaults = {"n": 3, "x": 0.5, "flag": True, "mode": "a", "path": None}

    def _fuse(self, a, b):
        return (a + b) / 2


def test_wrong_type_names_option_type_and_default():
    with pytest.raises(ValueError, match=r"^gff: option r1='abc' must be an int \(default 45\)$"):
        methods.get("gff", r1="abc")
    with pytest.raises(ValueError, match=r"gff: option r1=7\.5 must be an int \(default 45\)"):
        methods.get("gff", r1=7.5)
    with pytest.raises(ValueError, match=r"gff: option eps1=True must be a float \(default 0\.3\)"):
        methods.get("gff", eps1=True)
    with pytest.raises(ValueError, match=r"dwt: option wavelet=2 must be a str \(default 'db2'\)"):
        methods.get("dwt", wavelet=2)
    with pytest.raises(ValueError, match=r"toy: option flag=1 must be a bool \(default True\)"):
        Toy(flag=1)
    with pytest.raises(ValueError, match=r"toy: option n=True must be an int \(default 3\)"):
        Toy(n=True)


def test_accepted_values_and_conversions():
    m = methods.get("gff", r1=7, eps1=1, eps2="1e-6", r2="3")  # int for float; YAML leaves "1e-6" a string
    assert m.options == {"r1": 7, "eps1": 1.0, "r2": 3, "eps2": 1e-6}
    assert isinstance(m.options["eps1"], float) and isinstance(m.options["r2"], int)
    t = Toy(path="/somewhere", flag=False, mode="b", x=2)
    assert t.options["path"] == "/somewhere" and t.options["flag"] is False and t.options["x"] == 2.0
    assert Toy(path=3).options["path"] == 3  # a None default accepts anything
    assert Toy(n=None).options["n"] is None  # None stays allowed (e.g. tile=None: no tiling)


def test_cli_bad_option_is_an_error_line_not_a_traceback(tmp_path, capsys):
    from fusionkit.cli import main

    rc = main(["fuse", "--method", "gff", "--opt", "r1=abc", "--a", str(tmp_path), "--b", str(tmp_path),
               "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and "error: gff: option r1='abc' must be an int (default 45)" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()
    rc = main(["fuse", "--method", "gff", "--opt", "r1", "--a", str(tmp_path), "--b", str(tmp_path),
               "--out", str(tmp_path / "out"), "--no-progress"])
    assert rc == 2 and "--opt expects key=value" in capsys.readouterr().err


def test_cli_options_are_parsed_as_yaml_scalars(tmp_path, capsys):
    from fusionkit.cli import main

    rng = np.random.default_rng(0)
    for d in ("ir", "vis"):
        (tmp_path / d).mkdir()
        save_image(tmp_path / d / "1.png", rng.random((24, 24)))
    rc = main(["fuse", "--method", "gff", "--opt", "r1=5", "--opt", "eps1=1", "--opt", "eps2=1e-6",
               "--a", str(tmp_path / "ir"), "--b", str(tmp_path / "vis"), "--out", str(tmp_path / "out"),
               "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "1.png").is_file()


def test_every_method_accepts_a_device_and_numpy_methods_ignore_it():
    from fusionkit import methods

    m = methods.get("gff", device="cpu")
    assert "device" not in m.options
    with pytest.raises(ValueError, match="unknown option"):
        methods.get("gff", devise="cpu")
