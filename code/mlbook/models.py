"""Which models the book builds: LeNet, AlexNet, VGG, NiN and GoogLeNet, and the blocks they are made of.

Each builder is a small function that a chapter of Part 4 (卷积神经网络) shows with ``literalinclude``, so the
code on the page is the code that is trained and tested. Every model takes 1-channel Fashion-MNIST images.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

NUM_CLASSES = 10


def xavier_init(net: nn.Module) -> nn.Module:
    """Xavier-uniform weights for every ``Linear`` and ``Conv2d`` layer (d2l's ``train_ch6`` does this)."""
    for module in net.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(module.weight)
    return net


def lenet(activation: type[nn.Module] = nn.Sigmoid, pool: type[nn.Module] = nn.AvgPool2d) -> nn.Sequential:
    """LeNet-5 for 28x28 inputs; ``lenet(nn.ReLU, nn.MaxPool2d)`` is the modernised variant (LeNet chapter)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), activation(),  # padding 2 keeps 28x28, as 32x32 did in 1998
        pool(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), activation(),
        pool(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), activation(),
        nn.Linear(120, 84), activation(),
        nn.Linear(84, NUM_CLASSES))


def alexnet() -> nn.Sequential:
    """AlexNet for 1x224x224 inputs, one tower instead of the paper's two GPUs, no LRN (AlexNet chapter)."""
    return nn.Sequential(
        nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),  # a large window for large objects
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(),
        nn.Linear(256 * 5 * 5, 4096), nn.ReLU(), nn.Dropout(p=0.5),  # dropout tames the two huge layers
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, NUM_CLASSES))


VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))  # (convolutions, output channels) per block


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """``num_convs`` 3x3 convolutions (padding 1 keeps the size), each with ReLU, then a 2x2 max pool that halves it."""
    layers: list[nn.Module] = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(conv_arch: tuple[tuple[int, int], ...] = VGG11) -> nn.Sequential:
    """VGG for 1x224x224 inputs: one ``vgg_block`` per ``(num_convs, out_channels)``, then AlexNet's classifier."""
    blocks, in_channels = [], 1
    for num_convs, out_channels in conv_arch:
        blocks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    side = 224 // 2 ** len(conv_arch)  # every block halves the height and width
    return nn.Sequential(
        *blocks, nn.Flatten(),
        nn.Linear(in_channels * side * side, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, NUM_CLASSES))


def narrow(conv_arch: tuple[tuple[int, int], ...], ratio: int = 4) -> tuple[tuple[int, int], ...]:
    """The same architecture with ``ratio`` times fewer channels per block (the VGG chapter trains VGG-11 / 4)."""
    if ratio < 1:
        raise ValueError(f"ratio must be a positive integer, got {ratio}")
    return tuple((num_convs, out_channels // ratio) for num_convs, out_channels in conv_arch)


def nin_block(in_channels: int, out_channels: int, kernel_size: int, stride: int, padding: int) -> nn.Sequential:
    """One ordinary convolution, then two 1x1 convolutions: an MLP applied at every pixel (NiN chapter)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


def nin() -> nn.Sequential:
    """NiN for 1x224x224 inputs: AlexNet's window sizes and channels, global average pooling instead of FC layers."""
    return nn.Sequential(
        nin_block(1, 96, kernel_size=11, stride=4, padding=0),
        nn.MaxPool2d(3, stride=2),
        nin_block(96, 256, kernel_size=5, stride=1, padding=2),
        nn.MaxPool2d(3, stride=2),
        nin_block(256, 384, kernel_size=3, stride=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nn.Dropout(0.5),
        nin_block(384, NUM_CLASSES, kernel_size=3, stride=1, padding=1),  # one channel per class
        nn.AdaptiveAvgPool2d((1, 1)),  # the class score is the channel's mean
        nn.Flatten())


class Inception(nn.Module):
    """Four parallel paths concatenated along the channels; ``c2`` and ``c3`` are (reduce, out) pairs (GoogLeNet)."""

    def __init__(self, in_channels: int, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int) -> None:
        super().__init__()
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)  # path 1: 1x1
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)  # path 2: 1x1 reduces, then 3x3
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)  # path 3: 1x1 reduces, then 5x5
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)  # path 4: 3x3 max pool, then 1x1
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)
        self.out_channels = c1 + c2[1] + c3[1] + c4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        return torch.cat((p1, p2, p3, p4), dim=1)  # every path keeps the height and width


def googlenet() -> nn.Sequential:
    """GoogLeNet (Inception v1) without auxiliary classifiers, in five stages b1..b5 (GoogLeNet chapter)."""
    b1 = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(
        nn.Conv2d(64, 64, kernel_size=1), nn.ReLU(),
        nn.Conv2d(64, 192, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b3 = nn.Sequential(
        Inception(192, 64, (96, 128), (16, 32), 32),
        Inception(256, 128, (128, 192), (32, 96), 64),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b4 = nn.Sequential(
        Inception(480, 192, (96, 208), (16, 48), 64),
        Inception(512, 160, (112, 224), (24, 64), 64),
        Inception(512, 128, (128, 256), (24, 64), 64),
        Inception(512, 112, (144, 288), (32, 64), 64),
        Inception(528, 256, (160, 320), (32, 128), 128),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b5 = nn.Sequential(
        Inception(832, 256, (160, 320), (32, 128), 128),
        Inception(832, 384, (192, 384), (48, 128), 128),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
    return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, NUM_CLASSES))
