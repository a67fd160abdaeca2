import pytest
import torch
import torch.nn.functional as F

from fusionkit.checkpoints import CheckpointError
from fusionkit.nets.vgg import VGG19Features, layer_index, load_vgg19_features


def test_layer_index_follows_torchvisions_vgg19_features_layout():
    # torchvision vgg19.features: conv0 relu1 conv2 relu3 pool4 | conv5 relu6 conv7 relu8 pool9 | conv10 ...
    idx = layer_index()
    assert idx["relu1_1"] == 1 and idx["relu1_2"] == 3 and idx["relu2_1"] == 6 and idx["relu2_2"] == 8
    assert idx["relu3_4"] == 17 and idx["relu4_4"] == 26 and idx["relu5_4"] == 35
    assert len(idx) == 16  # VGG19: 16 convolutions


def test_weights_load_from_a_torchvision_state_dict_and_give_the_hand_computed_features(fake_vgg19):
    path, sd = fake_vgg19
    net = load_vgg19_features(path, ("relu1_1", "relu2_2"))
    x = torch.rand(2, 1, 16, 20)
    f11, f22 = net(x)
    # by hand: grey repeated to RGB, ImageNet-normalised, conv+ReLU ... pool ... conv+ReLU
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    h = (x.repeat(1, 3, 1, 1) - mean) / std
    h = F.relu(F.conv2d(h, sd["features.0.weight"], sd["features.0.bias"], padding=1))
    torch.testing.assert_close(f11, h)
    h = F.relu(F.conv2d(h, sd["features.2.weight"], sd["features.2.bias"], padding=1))
    h = F.max_pool2d(h, 2)
    h = F.relu(F.conv2d(h, sd["features.5.weight"], sd["features.5.bias"], padding=1))
    h = F.relu(F.conv2d(h, sd["features.7.weight"], sd["features.7.bias"], padding=1))
    torch.testing.assert_close(f22, h)
    assert f22.shape == (2, 128, 8, 10)


def test_the_loss_network_is_frozen_and_stays_in_eval_mode():
    net = VGG19Features(("relu2_2",))
    assert not any(p.requires_grad for p in net.parameters())
    net.train()
    assert not net.training
    x = torch.rand(1, 1, 8, 8, requires_grad=True)
    net(x)[0].sum().backward()  # gradients still flow to the input (a loss network)
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_bad_layers_files_and_state_dicts_are_named(tmp_path, fake_vgg19):
    with pytest.raises(ValueError, match="relu9_9"):
        VGG19Features(("relu9_9",))
    with pytest.raises(CheckpointError, match="not found.*vgg19-imagenet"):
        load_vgg19_features(tmp_path / "missing.pth")
    sd = dict(fake_vgg19[1])
    sd["features.5.weight"] = torch.zeros(128, 32, 3, 3)
    torch.save(sd, tmp_path / "bad.pth")
    with pytest.raises(CheckpointError, match=r"bad.pth.*features.5.weight.*\(128, 64, 3, 3\)"):
        load_vgg19_features(tmp_path / "bad.pth")
    with pytest.raises(ValueError, match=r"\(N, 1 or 3, H, W\)"):
        VGG19Features()(torch.rand(1, 2, 8, 8))
