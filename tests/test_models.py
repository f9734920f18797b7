"""The book's CNNs against the shapes the notes print and parameter counts worked out by hand."""

import pytest
import torch
from torch import nn

from mlbook import models
from mlbook.shapes import shape_table


def conv(k: int, c_in: int, c_out: int) -> int:
    return (k * k * c_in + 1) * c_out  # weights plus one bias per output channel


def linear(n_in: int, n_out: int) -> int:
    return (n_in + 1) * n_out


def leaves(net, input_shape):
    """(layer type, output shape without the batch axis) for each leaf layer."""
    return [(kind, shape[1:]) for _, kind, shape, _ in shape_table(net, input_shape)]


def children(net, input_shape):
    """The same for each top-level child: the notes print blocks (Sequential) as one row."""
    return [(kind, shape[1:]) for _, kind, shape, _ in shape_table(net, input_shape, leaves=False)]


def n_params(net) -> int:
    return sum(p.numel() for p in net.parameters())


# The shapes the notes print (卷积神经网络 section), batch axis dropped.
NOTES_LENET = [("Conv2d", (6, 28, 28)), ("Sigmoid", (6, 28, 28)), ("AvgPool2d", (6, 14, 14)),
               ("Conv2d", (16, 10, 10)), ("Sigmoid", (16, 10, 10)), ("AvgPool2d", (16, 5, 5)),
               ("Flatten", (400,))]
NOTES_ALEXNET = [("Conv2d", (96, 54, 54)), ("ReLU", (96, 54, 54)), ("MaxPool2d", (96, 26, 26)),
                 ("Conv2d", (256, 26, 26)), ("ReLU", (256, 26, 26)), ("MaxPool2d", (256, 12, 12)),
                 ("Conv2d", (384, 12, 12)), ("ReLU", (384, 12, 12)), ("Conv2d", (384, 12, 12)),
                 ("ReLU", (384, 12, 12)), ("Conv2d", (256, 12, 12)), ("ReLU", (256, 12, 12)),
                 ("MaxPool2d", (256, 5, 5)), ("Flatten", (6400,)), ("Linear", (4096,)), ("ReLU", (4096,)),
                 ("Dropout", (4096,)), ("Linear", (4096,)), ("ReLU", (4096,)), ("Dropout", (4096,)),
                 ("Linear", (10,))]
NOTES_VGG11 = [("Sequential", (64, 112, 112)), ("Sequential", (128, 56, 56)), ("Sequential", (256, 28, 28)),
               ("Sequential", (512, 14, 14)), ("Sequential", (512, 7, 7)), ("Flatten", (25088,)),
               ("Linear", (4096,)), ("ReLU", (4096,)), ("Dropout", (4096,)), ("Linear", (4096,)),
               ("ReLU", (4096,)), ("Dropout", (4096,)), ("Linear", (10,))]
NOTES_NIN = [("Sequential", (96, 54, 54)), ("MaxPool2d", (96, 26, 26)), ("Sequential", (256, 26, 26)),
             ("MaxPool2d", (256, 12, 12)), ("Sequential", (384, 12, 12)), ("MaxPool2d", (384, 5, 5)),
             ("Dropout", (384, 5, 5)), ("Sequential", (10, 5, 5)), ("AdaptiveAvgPool2d", (10, 1, 1)),
             ("Flatten", (10,))]


def test_lenet_matches_the_notes():
    net = models.lenet()
    rows = leaves(net, (1, 1, 28, 28))
    assert rows[:len(NOTES_LENET)] == NOTES_LENET
    assert [shape for kind, shape in rows if kind == "Linear"] == [(120,), (84,), (10,)]
    assert n_params(net) == conv(5, 1, 6) + conv(5, 6, 16) + linear(400, 120) + linear(120, 84) + linear(84, 10)


def test_modern_lenet_swaps_only_activation_and_pooling():
    classic, modern = models.lenet(), models.lenet(nn.ReLU, nn.MaxPool2d)
    swap = {"Sigmoid": "ReLU", "AvgPool2d": "MaxPool2d"}
    assert [(swap.get(k, k), s) for k, s in leaves(classic, (2, 1, 28, 28))] == leaves(modern, (2, 1, 28, 28))


def test_alexnet_matches_the_notes():
    net = models.alexnet()
    assert leaves(net, (1, 1, 224, 224)) == NOTES_ALEXNET
    convs = conv(11, 1, 96) + conv(5, 96, 256) + conv(3, 256, 384) + conv(3, 384, 384) + conv(3, 384, 256)
    assert n_params(net) == convs + linear(6400, 4096) + linear(4096, 4096) + linear(4096, 10)


def test_vgg11_matches_the_notes():
    net = models.vgg(models.VGG11)
    assert children(net, (1, 1, 224, 224)) == NOTES_VGG11
    n_convs = sum(n for n, _ in models.VGG11)
    assert sum(isinstance(m, nn.Conv2d) for m in net.modules()) + 3 == 11 == n_convs + 3  # VGG-*11*


def test_vgg_block_keeps_size_then_halves_it():
    block = models.vgg_block(3, 5, 7)
    assert sum(isinstance(m, nn.Conv2d) for m in block) == 3
    assert block(torch.zeros(2, 5, 10, 12)).shape == (2, 7, 5, 6)
    assert n_params(block) == conv(3, 5, 7) + 2 * conv(3, 7, 7)


def test_narrow_vgg_divides_channels():
    assert models.narrow(models.VGG11, 4) == ((1, 16), (1, 32), (2, 64), (2, 128), (2, 128))
    net = models.vgg(models.narrow(models.VGG11))
    assert net(torch.zeros(2, 1, 224, 224)).shape == (2, 10)
    assert children(net, (1, 1, 224, 224))[5] == ("Flatten", (128 * 7 * 7,))
    with pytest.raises(ValueError, match="positive"):
        models.narrow(models.VGG11, 0)


def test_nin_matches_the_notes_and_has_no_fully_connected_layer():
    net = models.nin()
    assert children(net, (1, 1, 224, 224)) == NOTES_NIN
    assert not any(isinstance(m, nn.Linear) for m in net.modules())
    assert n_params(net) < n_params(models.alexnet()) / 20


def test_inception_channel_arithmetic():
    block = models.Inception(192, 64, (96, 128), (16, 32), 32)
    assert block.out_channels == 64 + 128 + 32 + 32 == 256
    assert block(torch.zeros(2, 192, 7, 9)).shape == (2, 256, 7, 9)  # every path keeps height and width


def test_googlenet_stages_at_96():
    net = models.googlenet()
    shapes = [shape for _, shape in children(net, (1, 1, 96, 96))]
    assert shapes == [(64, 24, 24), (192, 12, 12), (480, 6, 6), (832, 3, 3), (1024,), (10,)]
    blocks = [m for m in net.modules() if isinstance(m, models.Inception)]
    outs = [b.out_channels for b in blocks]
    assert outs == [256, 480, 512, 512, 512, 528, 832, 832, 1024]
    assert [b.p1_1.in_channels for b in blocks[1:]] == outs[:-1]  # each block feeds the next


@pytest.mark.parametrize("build", [models.lenet, models.alexnet, models.nin, models.googlenet])
def test_xavier_init_replaces_every_weight(build):
    torch.manual_seed(0)
    net = build()
    before = [m.weight.clone() for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    models.xavier_init(net)
    after = [m.weight for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert all(not torch.equal(a, b) for a, b in zip(before, after, strict=True))
    fc = next(m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(fc.weight)
    bound = (6 / (fan_in + fan_out)) ** 0.5
    assert fc.weight.abs().max() <= bound


def test_a_cnn_learns_through_fit(monkeypatch):
    """LeNet on a toy task (bright top half vs bright bottom half) through the real training loop."""
    from mlbook import runtime, train

    monkeypatch.setenv("MLBOOK_DEVICE", "cpu")
    g = runtime.seed(0)
    y = torch.randint(0, 2, (512,), generator=g)
    X = torch.randint(0, 60, (512, 28, 28), generator=g, dtype=torch.uint8)
    X[y == 0, :14] += 150
    X[y == 1, 14:] += 150
    net = models.xavier_init(models.lenet(nn.ReLU, nn.MaxPool2d))
    h = train.fit(net, (X[:384], y[:384]), (X[384:], y[384:]), epochs=3, lr=0.1, batch_size=32, generator=g)
    assert h.train_loss[-1] < h.train_loss[0]
    assert h.test_acc[-1] > 0.95
    assert net[0].weight.is_contiguous(memory_format=torch.channels_last)  # fit stores conv nets channels-last
