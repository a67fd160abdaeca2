"""The shared trainer: learning, logging, atomic checkpoints, exact resume, NaN stop, DDP (gloo)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _train_common import TinyNet, ToyData, mse_loss  # noqa: E402

from fusionkit.train import TrainConfig, Trainer, TrainingDiverged, epoch_indices  # noqa: E402


def cfg(tmp, **kw):
    base = dict(epochs=4, batch_size=4, lr=1e-2, seed=3, out_dir=str(tmp), progress=False)
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture
def force_bf16(monkeypatch):
    """The bf16 path is tested on every CPU (emulated where the CPU has no native bf16: slow, but equal)."""
    monkeypatch.setenv("FUSIONKIT_CPU_BF16", "1")


def test_bf16_falls_back_to_fp32_where_the_cpu_has_no_native_bf16(tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONKIT_CPU_BF16", "0")
    with pytest.warns(UserWarning, match="no native bf16.*training in fp32"):
        t = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "a"))
    assert t.precision == "fp32" and not t.use_bf16
    t.fit()
    assert torch.load(tmp_path / "a" / "checkpoint.pt", weights_only=True)["precision"] == "fp32"
    monkeypatch.setenv("FUSIONKIT_CPU_BF16", "yes")
    with pytest.raises(ValueError, match="FUSIONKIT_CPU_BF16='yes'"):
        Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "b"))


def test_cpu_bf16_detection_follows_the_cpu_flags(monkeypatch):
    """Without an override the answer is the CPU's: /proc/cpuinfo's avx512_bf16 / amx_bf16 flags (Linux)."""
    from fusionkit.devices import cpu_bf16_native

    monkeypatch.delenv("FUSIONKIT_CPU_BF16", raising=False)
    info = Path("/proc/cpuinfo")
    if not info.exists():
        pytest.skip("no /proc/cpuinfo to compare with")
    flags = set(info.read_text().split())
    assert cpu_bf16_native() == bool({"avx512_bf16", "amx_bf16"} & flags)


def test_trains_logs_and_checkpoints(tmp_path):
    t = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path, lr_step=2, lr_gamma=0.5))
    hist = t.fit()
    assert [r["epoch"] for r in hist] == [1, 2, 3, 4]
    assert hist[-1]["mse"] < hist[0]["mse"]  # it learns
    assert [r["lr"] for r in hist] == pytest.approx([1e-2, 1e-2, 5e-3, 5e-3])  # StepLR
    log = (tmp_path / "log.csv").read_text().splitlines()
    assert log[0].split(",") == ["epoch", "lr", "steps", "total", "mse", "l1"] and len(log) == 5
    assert (tmp_path / "checkpoint.pt").exists() and not list(tmp_path.glob("*.part"))
    fig = t.loss_figure()
    assert len(fig.axes[0].lines) == 3


def test_resume_equals_uninterrupted(tmp_path):
    full = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "full"))
    full.fit()
    part = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "part", epochs=2))
    part.fit()
    resumed = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "part", epochs=4))
    assert resumed.start_epoch == 2
    resumed.fit()
    for (k, a), (_, b) in zip(full.model.state_dict().items(), resumed.model.state_dict().items()):
        assert torch.equal(a, b), k
    assert full.history == resumed.history


def test_nan_stops_with_message_and_keeps_checkpoint(tmp_path):
    calls = {"n": 0}

    def flaky(model, batch):
        calls["n"] += 1
        terms = mse_loss(model, batch)
        if calls["n"] > 10:  # epoch 2 (8 steps per epoch)
            terms["mse"] = terms["mse"] * float("nan")
        return terms

    t = Trainer(TinyNet(), flaky, ToyData(), cfg(tmp_path))
    with pytest.raises(TrainingDiverged, match=r"'mse'.*epoch 2, step 3.*checkpoint .*epoch 1\) is kept"):
        t.fit()
    ok = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert ok["epoch"] == 0 and all(torch.isfinite(v).all() for v in ok["model"].values() if v.is_floating_point())


def test_epoch_order_is_seeded_and_splits_across_ranks():
    assert epoch_indices(10, 0, 5) == epoch_indices(10, 0, 5) != epoch_indices(10, 1, 5)
    r0, r1 = epoch_indices(10, 2, 5, 0, 2), epoch_indices(10, 2, 5, 1, 2)
    assert sorted(r0 + r1) == list(range(10)) and not set(r0) & set(r1)


@pytest.mark.skipif(shutil.which("torchrun") is None and not (Path(sys.executable).parent / "torchrun").exists(),
                    reason="torchrun not installed")
def test_ddp_two_processes_match_one_process(tmp_path):
    """torchrun, 2 CPU processes (gloo), batch 4 each == 1 process with batch 8."""
    torchrun = str(Path(sys.executable).parent / "torchrun") if (Path(sys.executable).parent / "torchrun").exists() \
        else shutil.which("torchrun")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1"}
    r = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2",
                        str(Path(__file__).parent / "_ddp_train.py"), str(tmp_path / "ddp"), str(Path(__file__).parent)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    ddp = torch.load(tmp_path / "ddp" / "final.pt", weights_only=True)
    # fp32 on both sides: bf16 rounding depends on the batch split, so only fp32 is equal to 1e-6
    single = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "one", epochs=2, batch_size=8, bf16=False))
    single.fit()
    for k, v in single.model.state_dict().items():
        assert torch.allclose(v, ddp[k], atol=1e-6), k
    assert (tmp_path / "ddp" / "log.csv").exists()


def test_bf16_autocast_on_cpu_is_used_learns_and_is_deterministic(tmp_path, force_bf16):
    seen = []

    def loss(model, batch):
        h = model.conv1(batch["x"])
        seen.append(h.dtype)
        return mse_loss(model, batch)

    t = Trainer(TinyNet(), loss, ToyData(), cfg(tmp_path / "a"))
    assert t.precision == "bf16-autocast"
    h1 = t.fit()
    assert seen and all(d == torch.bfloat16 for d in seen)  # convolutions ran in bf16
    assert all(p.dtype == torch.float32 for p in t.model.parameters())  # fp32 master weights
    assert h1[-1]["mse"] < h1[0]["mse"] and all(type(h1[-1][k]) is float for k in ("total", "mse", "l1"))
    h2 = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "b")).fit()
    assert h1 == h2  # same seed, same machine: the same numbers
    off = Trainer(TinyNet(), loss, ToyData(), cfg(tmp_path / "c", bf16=False))
    seen.clear()
    off.fit()
    assert off.precision == "fp32" and set(seen) == {torch.float32}
    # bf16 and fp32 track each other on this toy problem
    assert abs(off.history[-1]["mse"] - h1[-1]["mse"]) < 0.1 * h1[-1]["mse"]


def test_bf16_resume_is_exact_and_a_precision_change_warns(tmp_path, force_bf16):
    full = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "full", epochs=3))
    assert full.precision == "bf16-autocast"
    full.fit()
    Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "part", epochs=1)).fit()
    resumed = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "part", epochs=3))
    resumed.fit()
    assert full.history == resumed.history
    assert all(torch.equal(a, b) for a, b in zip(full.model.state_dict().values(), resumed.model.state_dict().values()))
    assert torch.load(tmp_path / "part" / "checkpoint.pt", weights_only=True)["precision"] == "bf16-autocast"
    with pytest.warns(UserWarning, match=r"trained in bf16-autocast\) in fp32"):
        Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "part", epochs=4, bf16=False))


def test_didfuse_loss_under_bf16_autocast(tmp_path, force_bf16):
    """The DIDFuse loss through the bf16 Trainer: every term is logged as a finite float, and SSIM (whose
    variance terms E[x^2] - E[x]^2 cancel badly in bf16) is evaluated in fp32 even under autocast (kornia
    filters with autocast disabled), so it equals the fp32 value on the same bf16 reconstruction."""
    from fusionkit.losses import didfuse_training_loss, ssim_loss
    from fusionkit.nets import build

    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 1, 24, 24, generator=g)
    y = (x + 0.02 * torch.randn(x.shape, generator=g)).clamp(0, 1).bfloat16()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        s = ssim_loss(x, y)
    assert float(s) == pytest.approx(float(ssim_loss(x, y.float())), rel=1e-6, abs=1e-9)

    class Pairs(torch.utils.data.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            return {"a": x[i % 2], "b": x[(i + 1) % 2]}

    torch.manual_seed(0)
    t = Trainer(build("didfuse"), didfuse_training_loss("paper"), Pairs(), cfg(tmp_path, epochs=2, batch_size=4,
                                                                                lr=1e-3))
    hist = t.fit()
    terms = ("total", "gap_base", "gap_detail", "recon_ir", "recon_vis", "grad_vis")
    assert t.precision == "bf16-autocast"
    assert all(type(r[k]) is float and r[k] == r[k] for r in hist for k in terms)


def test_milestone_schedule_decays_once_at_each_given_epoch(tmp_path):
    """AE-Netv2's Table II: lr 1e-3 for the first phase, then 1e-4 (one decay, not a period)."""
    t = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path, epochs=5, lr_milestones=(1,), lr_gamma=0.1))
    assert [r["lr"] for r in t.fit()] == pytest.approx([1e-2, 1e-3, 1e-3, 1e-3, 1e-3])


def test_period_and_milestones_together_are_refused(tmp_path):
    with pytest.raises(ValueError, match="not both"):
        Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path, lr_step=2, lr_milestones=(1,)))


def test_channels_last_training_gives_the_same_losses(tmp_path):
    """The memory layout changes speed, not the numbers (to float rounding)."""
    a = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "a", epochs=2)).fit()
    b = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "b", epochs=2, channels_last=True))
    conv = [p for p in b.model.parameters() if p.dim() == 4]
    assert conv and all(p.is_contiguous(memory_format=torch.channels_last) for p in conv)
    hb = b.fit()
    assert [r["total"] for r in hb] == pytest.approx([r["total"] for r in a], rel=1e-4)


def test_late_drop_by_hand():
    from fusionkit.train import late_drop

    hist = [{"total": v} for v in (10, 8, 6, 5, 4, 4)]  # last third: epochs 4-6, from 5 (a third from the end) to 4
    assert late_drop(hist) == 20.0
    assert late_drop([{"total": 3.0}] * 4) == 0.0
    assert late_drop([{"total": 1.0}]) != late_drop([{"total": 1.0}])  # NaN


def test_drop_since_by_hand():
    from fusionkit.train import drop_since

    hist = [{"total": v} for v in (9, 9, 9, 6, 5, 4, 4, 3, 2)]  # after epoch 3: means of (6, 5, 4) = 5 and (4, 3, 2) = 3
    assert drop_since(hist, 3) == 40.0
    assert drop_since(hist, 3, window=1) == pytest.approx(100 * (6 - 2) / 6, abs=0.01)
    assert drop_since(hist, 6) != drop_since(hist, 6)  # NaN: 3 epochs after it, fewer than 2 windows


def test_compiled_step_equals_the_eager_step(tmp_path):
    """The compiled DIDFuse step (model forward + paper loss, backward through AOTAutograd) gives the eager
    loss terms within 1e-5 (relative) and the eager gradients within 1e-4 (relative, over all parameters
    together: the conv biases before batch norm have a gradient of zero up to rounding) in fp32; under bf16
    autocast both round alike to within 1e-2 (reports/benchmarks/training.md measures the curves)."""
    from fusionkit.losses import didfuse_training_loss
    from fusionkit.nets import build

    g = torch.Generator().manual_seed(0)
    batch = {"a": torch.rand(2, 1, 32, 32, generator=g), "b": torch.rand(2, 1, 32, 32, generator=g)}

    class Pairs(torch.utils.data.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return {k: v[i] for k, v in batch.items()}

    grads, terms = {}, {}
    for compiled in (False, True):
        torch.manual_seed(0)
        t = Trainer(build("didfuse"), didfuse_training_loss("paper"), Pairs(),
                    cfg(tmp_path / str(compiled), epochs=1, batch_size=2, bf16=False, compile=compiled))
        assert t.compiled is compiled
        out = t._loss(t.net, batch)
        out["total"].backward()
        terms[compiled] = {k: float(v.detach()) for k, v in out.items()}
        grads[compiled] = torch.cat([p.grad.flatten() for p in t.model.parameters()])
    assert terms[True] == pytest.approx(terms[False], rel=1e-5)
    assert float((grads[True] - grads[False]).norm() / grads[False].norm()) < 1e-4
    # a compiled training runs through fit() and says so in its checkpoint
    hist = t.fit()
    assert len(hist) == 1 and torch.load(tmp_path / "True" / "checkpoint.pt", weights_only=True)["compiled"] is True


def test_compile_falls_back_to_eager_with_a_warning(tmp_path, monkeypatch):
    """Where torch.compile cannot work (no C++ compiler), the step runs eagerly with the same numbers."""
    def broken(fn, **kw):
        def run(*a, **k):
            raise RuntimeError("no C++ compiler")
        return run

    monkeypatch.setattr(torch, "compile", broken)
    eager = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "e", epochs=2, compile=False)).fit()
    with pytest.warns(RuntimeWarning, match="no C\\+\\+ compiler"):
        fell = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "c", epochs=2, compile=True)).fit()
    assert [r["total"] for r in fell] == [r["total"] for r in eager]


def test_automatic_compile_and_adam_choice(tmp_path):
    from fusionkit.train import COMPILE_MIN_STEPS, resolve_adam, resolve_compile

    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    assert resolve_compile(None, cpu, COMPILE_MIN_STEPS) and not resolve_compile(None, cpu, COMPILE_MIN_STEPS - 1)
    assert not resolve_compile(None, gpu, 10**6) and not resolve_compile(None, cpu, 10**6, world=2)
    assert resolve_compile(True, cpu, 1) and not resolve_compile(False, cpu, 10**6)
    # 32 items, batch 4, 2 steps per epoch cap, 5 epochs: 10 planned steps -> eager
    t = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path, epochs=5, max_steps_per_epoch=2))
    assert t.planned_steps() == 10 and t.compiled is False
    from fusionkit.train import ADAM_DEFAULT

    assert resolve_adam("fused") == {"fused": True} and resolve_adam(None) == resolve_adam(ADAM_DEFAULT)
    with pytest.raises(ValueError, match="TrainConfig.adam='fast'"):
        resolve_adam("fast")
    fused = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "f", epochs=2, adam="fused"))
    assert fused.opt.defaults["fused"] is True
    plain = Trainer(TinyNet(), mse_loss, ToyData(), cfg(tmp_path / "p", epochs=2))
    assert [r["total"] for r in fused.fit()] == pytest.approx([r["total"] for r in plain.fit()], rel=1e-5)
