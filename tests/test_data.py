import gzip
import hashlib
import struct
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from mlbook import data


def write_idx(path: Path, array: torch.Tensor, compress: bool = True) -> str:
    """Write ``array`` as an IDX file; return the SHA-256 of its decoded contents."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + b"".join(struct.pack(">I", n) for n in array.shape)
    payload = header + array.to(torch.uint8).numpy().tobytes()
    if compress:
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)
    return hashlib.sha256(payload).hexdigest()


def make_dataset(folder: Path, n_train: int = 60_000, n_test: int = 10_000, compress: bool = True,
                 monkeypatch=None) -> None:
    """Small-valued but full-count IDX files (the loader checks the counts); 4x4 images keep them tiny. With
    ``monkeypatch``, the loader takes these stand-ins' checksums for the real data set's during the test."""
    g = torch.Generator().manual_seed(0)
    for split, n in (("train", n_train), ("test", n_test)):
        img, lab, _ = data.FILES[split]
        suffix = ".gz" if compress else ""
        sums = {img: write_idx(folder / (img + suffix), torch.randint(0, 256, (n, 4, 4), generator=g), compress),
                lab: write_idx(folder / (lab + suffix), torch.randint(0, 10, (n,), generator=g), compress)}
        for stem, digest in sums.items():
            if monkeypatch is not None:
                monkeypatch.setitem(data.SHA256, stem, digest)




@pytest.mark.parametrize("compress", [True, False])
def test_reads_idx_files_from_mlbook_data(tmp_path, monkeypatch, compress):
    make_dataset(tmp_path, compress=compress, monkeypatch=monkeypatch)
    monkeypatch.setenv("MLBOOK_DATA", str(tmp_path))
    images, labels = data.fashion_mnist("test")
    assert images.dtype == torch.uint8 and images.shape == (10_000, 4, 4)
    assert labels.dtype == torch.int64 and labels.shape == (10_000,)
    assert int(labels.min()) >= 0 and int(labels.max()) <= 9


def test_loading_twice_returns_the_cached_tensors(tmp_path, monkeypatch):
    make_dataset(tmp_path, monkeypatch=monkeypatch)
    monkeypatch.setenv("MLBOOK_DATA", str(tmp_path))
    first = data.fashion_mnist("train")
    assert data.fashion_mnist("train")[0] is first[0]


def test_mlbook_data_comes_first(tmp_path, monkeypatch):
    make_dataset(tmp_path, monkeypatch=monkeypatch)
    monkeypatch.setenv("MLBOOK_DATA", str(tmp_path))
    assert data.find_dir() == tmp_path
    assert data.candidate_dirs()[1:] == [data.REPO_DIR, data.SYSTEM_DIR]


def test_missing_data_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "REPO_DIR", tmp_path / "none")
    monkeypatch.setattr(data, "SYSTEM_DIR", tmp_path / "nothing")
    monkeypatch.setenv("MLBOOK_DATA", str(tmp_path))
    with pytest.raises(data.DataError, match="make data"):
        data.fashion_mnist()


def test_truncated_file_names_the_fix(tmp_path, monkeypatch):
    make_dataset(tmp_path, compress=False, monkeypatch=monkeypatch)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-5])
    monkeypatch.setenv("MLBOOK_DATA", str(tmp_path))
    with pytest.raises(data.DataError, match=r"truncated.*make data"):
        data.fashion_mnist("test")


def test_damaged_gzip_names_the_fix(tmp_path, monkeypatch):
    make_dataset(tmp_path, monkeypatch=monkeypatch)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:20])
    monkeypatch.setenv("MLBOOK_DATA", str(tmp_path))
    with pytest.raises(data.DataError, match="cannot be read"):
        data.fashion_mnist("test")


def test_wrong_magic_is_rejected(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(b"\x00\x00\x0d\x01" + b"\x00" * 8)  # 0x0d: float data, not unsigned bytes
    with pytest.raises(data.DataError, match="not an IDX file"):
        data.read_idx(path, 1)


def test_unknown_split_is_rejected():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        data.fashion_mnist("validation")


def test_another_data_set_of_the_same_shape_is_refused(tmp_path, monkeypatch):
    """MNIST's files put in Fashion-MNIST's place have the right names, counts and shapes, but not its contents."""
    make_dataset(tmp_path)  # no stand-in checksums: the real data set's are in force
    monkeypatch.setenv("MLBOOK_DATA", str(tmp_path))
    with pytest.raises(data.DataError, match=r"not Fashion-MNIST.s file .* such as MNIST.*remove it and run `make"):
        data.fashion_mnist("test")


def test_real_fashion_mnist():
    """The set-up step (`make data`) has placed the real files where the loader finds them."""
    images, labels = data.fashion_mnist("train")
    assert images.shape == (60_000, 28, 28) and images.dtype == torch.uint8
    assert torch.bincount(labels).tolist() == [6000] * 10  # Fashion-MNIST is balanced
    test_images, _ = data.fashion_mnist("test")
    assert test_images.shape == (10_000, 28, 28)


def test_labels_text():
    assert data.labels_text([0, 9]) == ["T恤", "短靴"]
    assert data.labels_text(torch.tensor([1]), lang="en") == ["trouser"]


def test_batches_cover_every_example_once():
    X = torch.arange(10).reshape(10, 1)
    y = torch.arange(10)
    seen = []
    for xb, yb in data.batches(X, y, batch_size=3, generator=torch.Generator().manual_seed(1)):
        assert torch.equal(xb[:, 0], yb)  # rows stay paired
        assert len(yb) <= 3
        seen += yb.tolist()
    assert sorted(seen) == list(range(10)) and seen != list(range(10))


def test_batches_reject_bad_input():
    with pytest.raises(ValueError, match="same length"):
        next(data.batches(torch.zeros(3), torch.zeros(4), batch_size=2))
    with pytest.raises(ValueError, match="batch_size"):
        next(data.batches(torch.zeros(3), batch_size=0))


def test_synthetic_regression_follows_its_parameters():
    w, b = torch.tensor([2.0, -3.4]), 4.2
    X, y = data.synthetic_regression(w, b, 2000, noise=0.01, generator=torch.Generator().manual_seed(0))
    assert X.shape == (2000, 2) and y.shape == (2000, 1)
    design = torch.cat([X, torch.ones(len(X), 1)], dim=1)
    solution = torch.linalg.lstsq(design, y).solution.squeeze()
    assert torch.allclose(solution, torch.tensor([2.0, -3.4, 4.2]), atol=0.01)


def test_main_reports_both_splits(capsys):
    assert data.main([]) == 0
    out = capsys.readouterr().out
    assert "train: (60000, 28, 28)" in out and "test: (10000, 28, 28)" in out


class FakeDownloader:
    """Stands in for torchvision's FashionMNIST(download=True): writes the raw files, or fails half-way."""

    fail = False

    def __init__(self, root, train, download):
        raw = Path(root) / "FashionMNIST" / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        make_dataset(raw, n_train=60_000 if train else 0, n_test=10_000)
        if FakeDownloader.fail:
            raise OSError("connection reset")


def test_fetch_moves_complete_files_into_place(tmp_path, monkeypatch):
    import torchvision.datasets

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", FakeDownloader)
    FakeDownloader.fail = False
    dest = tmp_path / "data" / "fashion-mnist"
    assert data.fetch(dest) == dest
    assert sorted(p.name for p in dest.iterdir()) == sorted(s + ".gz" for f in data.FILES.values() for s in f[:2])
    assert [p.name for p in dest.parent.iterdir()] == ["fashion-mnist"]  # no staging folder left behind


def test_failed_fetch_leaves_nothing(tmp_path, monkeypatch):
    import torchvision.datasets

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", FakeDownloader)
    FakeDownloader.fail = True
    dest = tmp_path / "data" / "fashion-mnist"
    with pytest.raises(OSError, match="connection reset"):
        data.fetch(dest)
    assert list(dest.parent.iterdir()) == []


@given(n=st.integers(0, 300), batch_size=st.integers(1, 64))
def test_count_batches_is_the_number_of_batches(n, batch_size):
    sizes = [len(xb) for (xb,) in data.batches(torch.arange(n), batch_size=batch_size, shuffle=False)]
    assert data.count_batches(n, batch_size) == len(sizes)
    assert sum(sizes) == n and all(size == batch_size for size in sizes[:-1])
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        data.count_batches(n, 1 - batch_size)
