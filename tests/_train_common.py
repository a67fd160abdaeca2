"""A tiny model and data set for the trainer tests (no batch norm: DDP equals one process exactly)."""
import torch
from torch import nn


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 1, 3, padding=1)

    def forward(self, x):
        return torch.sigmoid(self.conv2(torch.relu(self.conv1(x))))


class ToyData(torch.utils.data.Dataset):
    """32 deterministic 16x16 images; the target is a blurred copy."""

    def __init__(self, n=32):
        g = torch.Generator().manual_seed(1)
        self.x = torch.rand(n, 1, 16, 16, generator=g)
        self.y = torch.nn.functional.avg_pool2d(self.x, 3, stride=1, padding=1)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "y": self.y[i]}


def mse_loss(model, batch):
    out = model(batch["x"])
    mse = ((out - batch["y"]) ** 2).mean()
    l1 = (out - batch["y"]).abs().mean()
    return {"total": mse + 0.1 * l1, "mse": mse, "l1": l1}
