"""Where the data comes from: Fashion-MNIST read offline, minibatches, synthetic regression data.

Introduced in 线性回归 (synthetic data, minibatches) and softmax 回归 (Fashion-MNIST).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import torch

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian package dataset-fashion-mnist
REPO_DIR = Path(__file__).resolve().parents[2] / "data" / "fashion-mnist"
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60_000),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10_000),
}
# SHA-256 of each file's decoded contents. The published MD5 sums cover the packed .gz bytes only (torchvision
# checks them when it downloads); Debian's dataset-fashion-mnist packs the same contents differently, and a folder
# may hold the files unpacked, so the contents are what is checked. Another data set of the same shape (MNIST's
# files in their place) is refused.
SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
LABELS_ZH = ("T恤", "裤子", "套衫", "连衣裙", "外套", "凉鞋", "衬衫", "运动鞋", "包", "短靴")
LABELS_EN = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot")
FIX = ("run `make data` (it installs the Debian package dataset-fashion-mnist or downloads the files "
       "into data/fashion-mnist), or point MLBOOK_DATA at a folder holding the four IDX files")


class DataError(RuntimeError):
    """The data set is missing or damaged; the message says how to fix it."""


def candidate_dirs() -> list[Path]:
    """The folders searched, in order: ``$MLBOOK_DATA``, ``data/`` in the repo, the Debian package's folder."""
    dirs = [Path(os.environ["MLBOOK_DATA"])] if os.environ.get("MLBOOK_DATA") else []
    return [*dirs, REPO_DIR, SYSTEM_DIR]


def find_file(stem: str, folder: Path) -> Path | None:
    """``folder/stem.gz`` or ``folder/stem``, whichever exists first; None if neither does."""
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def find_dir() -> Path:
    """The first candidate folder that holds all four files."""
    for folder in candidate_dirs():
        if all(find_file(s, folder) for img, lab, _ in FILES.values() for s in (img, lab)):
            return folder
    searched = ", ".join(str(d) for d in candidate_dirs())
    raise DataError(f"Fashion-MNIST not found (searched {searched}); {FIX}")


def read_idx(path: Path, expected_dims: int, expected_count: int | None = None,
             sha256: str | None = None) -> torch.Tensor:
    """Parse one IDX file (optionally gzipped) of unsigned bytes into a uint8 tensor, checking its decoded
    contents against ``sha256`` where one is given."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise DataError(f"{path} cannot be read ({e}); {FIX}") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path} is not an IDX file of unsigned bytes; {FIX}")
    ndim = raw[3]
    if ndim != expected_dims:
        raise DataError(f"{path} has {ndim} dimensions, expected {expected_dims}; {FIX}")
    header = 4 + 4 * ndim
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    size = 1
    for n in shape:
        size *= n
    if len(raw) != header + size or (expected_count is not None and shape[0] != expected_count):
        raise DataError(f"{path} is truncated or has the wrong size (shape {shape}, {len(raw)} bytes); {FIX}")
    if sha256 is not None and hashlib.sha256(raw).hexdigest() != sha256:
        raise DataError(f"{path} is not Fashion-MNIST's file (its contents differ from the published data set; "
                        f"another data set of the same shape, such as MNIST, would look like this); "
                        f"remove it and {FIX}")
    return torch.frombuffer(bytearray(raw[header:]), dtype=torch.uint8).reshape(shape)


@functools.cache
def _load(split: str, folder: str) -> tuple[torch.Tensor, torch.Tensor]:
    img_stem, lab_stem, count = FILES[split]
    images = read_idx(find_file(img_stem, Path(folder)), 3, count, SHA256[img_stem])
    labels = read_idx(find_file(lab_stem, Path(folder)), 1, count, SHA256[lab_stem]).long()
    if int(labels.max()) >= len(LABELS_EN):
        raise DataError(f"labels in {folder} go beyond the 10 classes; {FIX}")
    return images, labels


def fashion_mnist(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """Images ``(N, 28, 28)`` uint8 and labels ``(N,)`` int64, decoded once and cached in memory.

    The tensors are shared between callers: copy before changing them in place.
    """
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return _load(split, str(find_dir()))


def labels_text(indices, lang: str = "zh") -> list[str]:
    """Class names for label indices (Chinese by default)."""
    names = LABELS_ZH if lang == "zh" else LABELS_EN
    return [names[int(i)] for i in indices]


def synthetic_regression(w: torch.Tensor, b: float, n: int, noise: float = 0.01,
                         generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``X ~ N(0, 1)`` of shape ``(n, len(w))`` and ``y = X w + b + noise`` of shape ``(n, 1)``."""
    w = torch.as_tensor(w, dtype=torch.float32).reshape(-1)
    X = torch.randn(n, len(w), generator=generator)
    y = X @ w + b + noise * torch.randn(n, generator=generator)
    return X, y.reshape(-1, 1)


def count_batches(n: int, batch_size: int) -> int:
    """How many minibatches ``batches`` makes of ``n`` examples (the last one may be smaller)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    return -(-n // batch_size)


def batches(*tensors: torch.Tensor, batch_size: int, shuffle: bool = True,
            generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, ...]]:
    """Minibatches of tensors that share their first dimension, indexed where the tensors live."""
    n = len(tensors[0])
    if any(len(t) != n for t in tensors):
        raise ValueError(f"all tensors need the same length, got {[len(t) for t in tensors]}")
    count_batches(n, batch_size)  # checks batch_size before any work
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    order = order.to(tensors[0].device)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield tuple(t[idx] for t in tensors)


def fetch(dest: Path = REPO_DIR) -> Path:
    """Download Fashion-MNIST with torchvision into ``dest`` (used by the setup, never by a chapter)."""
    from torchvision.datasets import FashionMNIST

    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        for train in (True, False):
            FashionMNIST(tmp, train=train, download=True)
        raw = Path(tmp) / "FashionMNIST" / "raw"
        staged = Path(tmp) / "staged"
        staged.mkdir()
        for img, lab, _ in FILES.values():
            for stem in (img, lab):
                shutil.copy(raw / (stem + ".gz"), staged / (stem + ".gz"))
        if dest.exists():
            shutil.rmtree(dest)
        staged.rename(dest)  # atomic within one file system: no half-written folder is left
    return dest


def main(argv: list[str]) -> int:
    """``python -m mlbook.data [--fetch]``: check that the data set is usable, fetching it if asked."""
    try:
        folder = find_dir()
    except DataError:
        if "--fetch" not in argv:
            raise
        folder = fetch()
    for split in FILES:
        images, _ = fashion_mnist(split)
        print(f"Fashion-MNIST {split}: {tuple(images.shape)} from {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
