"""Where and how much the book runs: device, profile, seeding (introduced in 前言)."""

from __future__ import annotations

import dataclasses
import os
import platform
import random
import time
from pathlib import Path

import torch

PROFILES = ("full", "quick", "auto")


class Text:
    """A string that displays without quotes: glued into prose (``report.Text``) and in live progress
    (``train.fit``). Here, below both, so that neither imports the other."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def device() -> torch.device:
    """CUDA, else Apple MPS, else CPU; ``MLBOOK_DEVICE=cpu`` forces the CPU."""
    forced = os.environ.get("MLBOOK_DEVICE", "").strip().lower()
    if forced not in ("", "cpu", "cuda", "mps"):
        raise ValueError(f"MLBOOK_DEVICE={forced!r} is not one of cpu, cuda, mps; unset it to pick automatically")
    if forced == "cpu":
        return torch.device("cpu")
    if forced in ("", "cuda") and torch.cuda.is_available():
        return torch.device("cuda:0")
    if forced in ("", "mps") and getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    if forced:
        raise RuntimeError(f"MLBOOK_DEVICE={forced} was requested but no such device is available; unset it or use cpu")
    return torch.device("cpu")


def profile() -> str:
    """``full`` or ``quick`` from ``MLBOOK_PROFILE`` (auto: full on an accelerator, quick on a CPU)."""
    value = os.environ.get("MLBOOK_PROFILE", "auto").strip().lower() or "auto"
    if value not in PROFILES:
        raise ValueError(f"MLBOOK_PROFILE={value!r} is not one of {', '.join(PROFILES)}")
    if value == "auto":
        return "quick" if device().type == "cpu" else "full"
    return value


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much one training run uses: epochs and number of training examples."""

    epochs: int
    n_train: int | None  # None: the whole training set
    profile: str
    n_test: int | None = None  # None: the whole test set
    reduced: bool = False  # True when the quick profile cut the full setting: the page must say so
    full: tuple[int, int | None] | None = None  # (epochs, n_train) of the full setting, when reduced

    def describe(self) -> str:
        images = "all" if self.n_train is None else f"{self.n_train}"
        tests = "" if self.n_test is None else f", {self.n_test} test examples"
        return f"profile {self.profile}: {images} training examples{tests}, {self.epochs} epochs"


def budget(epochs: int, n_train: int | None = None, *, quick_epochs: int | None = None,
           quick_n_train: int | None = None, quick_n_test: int | None = None) -> Budget:
    """The full setting of a run, scaled down in the quick profile only where a quick value is given."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    p = profile()
    if p == "quick":
        quick = (quick_epochs or epochs, quick_n_train if quick_n_train is not None else n_train, quick_n_test)
        reduced = quick != (epochs, n_train, None)
        return Budget(quick[0], quick[1], p, quick[2], reduced=reduced, full=(epochs, n_train) if reduced else None)
    return Budget(epochs, n_train, p)


def seed(value: int = 0) -> torch.Generator:
    """Seed Python's and torch's generators; returns a CPU generator for data shuffling."""
    random.seed(value)
    torch.manual_seed(value)
    return torch.Generator().manual_seed(value)


def cpu_name() -> str:
    """The processor's model name from ``/proc/cpuinfo`` (Linux), else what ``platform`` knows of it."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> dict[str, str]:
    """Where this chapter executes: the facts shown on every page and in the execution report."""
    dev = device()
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else cpu_name()
    return {
        "device": str(dev),
        "device_name": name,
        "profile": profile(),
        "torch": torch.__version__,
        "threads": str(torch.get_num_threads()),
        "time": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
