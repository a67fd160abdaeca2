"""Run by tests/test_train.py under `torchrun --nproc_per_node 2` (CPU, gloo)."""
import sys

import torch

sys.path.insert(0, sys.argv[2])
from _train_common import TinyNet, ToyData, mse_loss  # noqa: E402

from fusionkit.train import TrainConfig, Trainer  # noqa: E402

out = sys.argv[1]
t = Trainer(TinyNet(), mse_loss, ToyData(), TrainConfig(epochs=2, batch_size=4, lr=1e-2, seed=3, out_dir=out,
                                                        progress=False, bf16=False))
t.fit()
if t.rank == 0:
    torch.save(t.model.state_dict(), f"{out}/final.pt")
