import pytest
import torch

from mlbook import runtime


def test_forced_cpu(monkeypatch):
    monkeypatch.setenv("MLBOOK_DEVICE", "cpu")
    assert runtime.device() == torch.device("cpu")


def test_unknown_device_is_rejected(monkeypatch):
    monkeypatch.setenv("MLBOOK_DEVICE", "tpu")
    with pytest.raises(ValueError, match="MLBOOK_DEVICE"):
        runtime.device()


def test_forced_cuda_without_gpu_says_so(monkeypatch):
    monkeypatch.setenv("MLBOOK_DEVICE", "cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="no such device"):
        runtime.device()


def test_auto_prefers_cuda_then_cpu(monkeypatch):
    monkeypatch.delenv("MLBOOK_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert runtime.device() == torch.device("cuda:0")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert runtime.device() == torch.device("cpu")


@pytest.mark.parametrize(("gpu", "expected"), [(True, "full"), (False, "quick")])
def test_auto_profile_follows_device(monkeypatch, gpu, expected):
    monkeypatch.delenv("MLBOOK_DEVICE", raising=False)
    monkeypatch.delenv("MLBOOK_PROFILE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert runtime.profile() == expected


def test_explicit_profile_wins(monkeypatch):
    monkeypatch.setenv("MLBOOK_DEVICE", "cpu")
    monkeypatch.setenv("MLBOOK_PROFILE", "full")
    assert runtime.profile() == "full"
    monkeypatch.setenv("MLBOOK_PROFILE", "fast")
    with pytest.raises(ValueError, match="MLBOOK_PROFILE"):
        runtime.profile()


def test_budget_scales_only_in_quick(monkeypatch):
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")
    quick = runtime.budget(10, None, quick_epochs=3, quick_n_train=6000)
    assert (quick.epochs, quick.n_train, quick.profile) == (3, 6000, "quick")
    assert quick.reduced and quick.full == (10, None)
    cheap = runtime.budget(10, None)  # no quick values: a cheap run stays full
    assert (cheap.epochs, cheap.n_train) == (10, None)
    assert not cheap.reduced and cheap.full is None
    tested = runtime.budget(10, quick_n_test=500)
    assert tested.reduced and tested.n_test == 500
    assert tested.describe() == "profile quick: all training examples, 500 test examples, 10 epochs"
    monkeypatch.setenv("MLBOOK_PROFILE", "full")
    full = runtime.budget(10, None, quick_epochs=3, quick_n_train=6000)
    assert (full.epochs, full.n_train, full.profile) == (10, None, "full")
    assert full.describe() == "profile full: all training examples, 10 epochs"
    assert not full.reduced and full.n_test is None
    with pytest.raises(ValueError, match="epochs"):
        runtime.budget(0)


def test_seed_makes_runs_repeat():
    g1 = runtime.seed(3)
    a = torch.randn(4), torch.randperm(10, generator=g1)
    g2 = runtime.seed(3)
    b = torch.randn(4), torch.randperm(10, generator=g2)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_describe_names_device_and_profile(monkeypatch):
    monkeypatch.setenv("MLBOOK_DEVICE", "cpu")
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")
    info = runtime.describe()
    assert info["device"] == "cpu" and info["profile"] == "quick"
    assert info["torch"] == torch.__version__
