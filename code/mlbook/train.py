"""How a classifier is trained: ``fit`` (the book's one training loop), ``evaluate`` and ``predict``.

Introduced in softmax 回归; every image chapter after it trains through ``fit``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

from mlbook import runtime
from mlbook.data import batches, count_batches
from mlbook.runtime import Text


@dataclasses.dataclass
class History:
    """Per-epoch figures of one ``fit`` run."""

    device: str
    train_loss: list[float] = dataclasses.field(default_factory=list)
    train_acc: list[float] = dataclasses.field(default_factory=list)
    test_acc: list[float] = dataclasses.field(default_factory=list)
    examples_per_sec: list[float] = dataclasses.field(default_factory=list)
    seconds: list[float] = dataclasses.field(default_factory=list)

    @property
    def median_speed(self) -> float:
        """Examples per second in the median epoch (the upper one of an even count): the speed d2l's result line
        quotes, unmoved by a slow first epoch."""
        ordered = sorted(self.examples_per_sec)
        return ordered[len(ordered) // 2]

    def summary(self) -> str:
        """d2l's familiar result line, for the last epoch."""
        return (f"loss {self.train_loss[-1]:.3f}, train acc {self.train_acc[-1]:.3f}, "
                f"test acc {self.test_acc[-1]:.3f}; {self.median_speed:.0f} examples/sec on {self.device}")


def prepare(x: torch.Tensor, resize: int | None = None, channels_last: bool = False) -> torch.Tensor:
    """A batch as the network sees it: uint8 pixels scaled to [0, 1], a channel axis, optionally resized."""
    if x.dtype == torch.uint8:
        x = x.float().div_(255)
    if x.ndim == 3:
        x = x.unsqueeze(1)  # (B, H, W) -> (B, 1, H, W)
    if resize is not None:
        if x.ndim != 4:
            raise ValueError(f"resize needs image batches (B, C, H, W), got shape {tuple(x.shape)}")
        x = F.interpolate(x, size=(resize, resize), mode="bilinear", align_corners=False)
    if channels_last and x.ndim == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def is_convnet(net: nn.Module) -> bool:
    """Whether ``net`` has 2-D convolutions (then ``fit`` stores activations channels-last)."""
    return any(isinstance(m, nn.Conv2d) for m in net.modules())


def precision_for(device: torch.device, precision: str = "auto") -> str:
    """``bf16`` autocast on CUDA, ``fp32`` elsewhere, unless ``precision`` names one of them."""
    if precision not in ("auto", "bf16", "fp32"):
        raise ValueError(f"precision must be 'auto', 'bf16' or 'fp32', got {precision!r}")
    if precision == "auto":
        return "bf16" if device.type == "cuda" else "fp32"
    return precision


def _autocast(device: torch.device, precision: str):
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def predict(net: nn.Module, X: torch.Tensor, *, batch_size: int = 256, resize: int | None = None,
            device: torch.device | None = None, precision: str = "auto") -> torch.Tensor:
    """Predicted class indices for ``X`` (on the CPU), with the network in ``eval()`` mode."""
    device = device or next(net.parameters()).device
    precision = precision_for(device, precision)
    channels_last = is_convnet(net)
    was_training = net.training
    net.eval()
    try:
        with _autocast(device, precision):
            out = [net(prepare(X[i:i + batch_size].to(device), resize, channels_last)).argmax(dim=1)
                   for i in range(0, len(X), batch_size)]
    finally:
        net.train(was_training)
    return torch.cat(out).cpu()  # one copy back (and one wait for the device), not one per batch


def evaluate(net: nn.Module, X: torch.Tensor, y: torch.Tensor, **kwargs) -> float:
    """Accuracy of ``net`` on ``(X, y)``; keyword arguments as for ``predict``."""
    return (predict(net, X, **kwargs) == y.cpu()).float().mean().item()


class _Progress:
    """Live progress for a person watching (a Jupyter display or a terminal line); silent otherwise.

    In Jupyter the same display is updated in place, so an executed notebook keeps only its final text.
    """

    def __init__(self) -> None:
        self.handle = None
        self.tty = False
        self.last = 0.0
        try:
            from IPython import get_ipython
            shell = get_ipython()
        except ImportError:
            shell = None
        if shell is not None and "IPKernelApp" in shell.config:
            from IPython.display import display
            self.handle = display(Text(""), display_id=True)
        else:
            self.tty = sys.stdout.isatty()

    def due(self) -> bool:
        """Whether someone is watching and the last update is half a second old: only then is it worth
        building the text (reading the loss makes the host wait for the device)."""
        return (self.handle is not None or self.tty) and time.perf_counter() - self.last >= 0.5

    def update(self, text: str) -> None:
        self.last = time.perf_counter()
        if self.handle is not None:
            self.handle.update(Text(text))
        elif self.tty:
            print("\r" + text.ljust(100), end="", flush=True)

    def close(self, text: str) -> None:
        if self.handle is not None:
            self.handle.update(Text(text))
        else:
            print(("\r" if self.tty else "") + text.ljust(100 if self.tty else 0))


def describe_run(n_train: int, *, epochs: int, batch_size: int, precision: str = "auto",
                 device: torch.device | None = None) -> str:
    """The line ``fit`` prints before training: profile, training images, epochs, batch size, precision (as
    ``fit`` resolves it on ``device``, by default ``runtime.device()``)."""
    precision = precision_for(device or runtime.device(), precision)
    return (f"profile {runtime.profile()}, {n_train} training images, {epochs} epochs, batch size {batch_size}, "
            f"{precision}")


def fit(net: nn.Module, train: tuple[torch.Tensor, torch.Tensor], test: tuple[torch.Tensor, torch.Tensor], *,
        epochs: int, lr: float | None = None, batch_size: int = 256,
        optimizer: torch.optim.Optimizer | None = None, loss_fn: nn.Module | None = None,
        resize: int | None = None, device: torch.device | None = None,
        generator: torch.Generator | None = None, precision: str = "auto", announce: bool = True) -> History:
    """Train a classifier with minibatch SGD (or ``optimizer``) and return its per-epoch history.

    The data moves to the device once and is shuffled, batched and resized there. ``train_acc`` is the running
    accuracy over each epoch in ``train()`` mode (dropout on); ``test_acc`` is measured in ``eval()`` mode.
    Convolutional networks run channels-last; on CUDA the forward pass runs under bf16 autocast (weights and
    optimizer stay fp32) with cuDNN autotuning, unless ``precision="fp32"``.
    ``announce=False`` leaves out the line naming the profile, data size and precision: a sweep of several runs
    in one cell prints it once itself (``describe_run``) instead of once per run.
    """
    if (lr is None) == (optimizer is None):
        raise ValueError("give exactly one of lr (plain SGD) or optimizer")
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if len(train[0]) == 0:
        raise ValueError("the training data is empty: check the slice or the budget that cut it")
    n_batches = count_batches(len(train[0]), batch_size)
    device = device or runtime.device()
    precision = precision_for(device, precision)
    channels_last = is_convnet(net)
    net.to(device, memory_format=torch.channels_last if channels_last else torch.preserve_format)
    optimizer = optimizer or torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    X, y = (t.to(device) for t in train)
    X_test, y_test = (t.to(device) for t in test)
    if announce:
        print(describe_run(len(X), epochs=epochs, batch_size=batch_size, precision=precision, device=device))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # batch shapes repeat, so the fastest kernels are worth finding
    history = History(device=str(device))
    progress = _Progress()
    for epoch in range(epochs):
        net.train()
        start = time.perf_counter()
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device)
        for i, (xb, yb) in enumerate(batches(X, y, batch_size=batch_size, generator=generator)):
            with _autocast(device, precision):
                logits = net(prepare(xb, resize, channels_last))
                loss = loss_fn(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach() * len(yb)
            correct += (logits.argmax(dim=1) == yb).sum()
            if progress.due():
                progress.update(f"epoch {epoch + 1}/{epochs}, batch {i + 1}/{n_batches}, loss {loss.item():.3f}")
        train_loss = loss_sum.item() / len(X)  # one synchronisation per epoch, not per batch
        if not math.isfinite(train_loss):
            raise FloatingPointError(f"the training loss became {train_loss} in epoch {epoch + 1}; "
                                     f"lower the learning rate or check the input scaling")
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        history.train_loss.append(train_loss)
        history.train_acc.append(correct.item() / len(X))
        history.test_acc.append(evaluate(net, X_test, y_test, resize=resize, device=device, precision=precision))
        history.examples_per_sec.append(len(X) / seconds)
        history.seconds.append(seconds)
        progress.update(f"epoch {epoch + 1}/{epochs}: {history.summary()}")
    progress.close(history.summary())
    return history
