import re

import pytest
import torch
from torch import nn

from mlbook import runtime, train


def blobs(n: int = 600, seed: int = 0):
    """Three separable clusters of 'images' (N, 4, 4) in [0, 1]: a task a linear model can learn."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centres = torch.rand(3, 4, 4, generator=g)
    X = (centres[y] + 0.05 * torch.randn(n, 4, 4, generator=g)).clamp(0, 1)
    return X, y


@pytest.fixture(autouse=True)
def cpu(monkeypatch):
    monkeypatch.setenv("MLBOOK_DEVICE", "cpu")
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")


def test_fit_learns_and_reports(capsys):
    runtime.seed(0)
    X, y = blobs()
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    h = train.fit(net, (X[:500], y[:500]), (X[500:], y[500:]), epochs=5, lr=0.5, batch_size=32,
                  generator=torch.Generator().manual_seed(0))
    assert len(h.train_loss) == len(h.test_acc) == len(h.examples_per_sec) == len(h.seconds) == 5
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]
    assert h.test_acc[-1] > 0.9
    out = capsys.readouterr().out
    assert "profile quick, 500 training images, 5 epochs, batch size 32" in out
    assert re.search(r"loss \d\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}; \d+ examples/sec on cpu", out)
    assert h.summary() in out


def test_fit_first_loss_is_chance_level():
    """Before learning, cross-entropy over 3 classes sits near log 3; the first epoch starts there."""
    runtime.seed(0)
    X, y = blobs()
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    nn.init.zeros_(net[1].weight)
    nn.init.zeros_(net[1].bias)
    h = train.fit(net, (X, y), (X, y), epochs=1, lr=1e-4)
    assert h.train_loss[0] == pytest.approx(torch.log(torch.tensor(3.0)).item(), rel=1e-3)


def test_fit_uses_a_given_optimizer():
    X, y = blobs()
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    h = train.fit(net, (X, y), (X, y), epochs=3, optimizer=torch.optim.Adam(net.parameters(), lr=0.05))
    assert h.test_acc[-1] > 0.9


def test_fit_stops_on_a_non_finite_loss():
    X, y = blobs()
    X = X.clone()
    X[0, 0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        train.fit(nn.Sequential(nn.Flatten(), nn.Linear(16, 3)), (X, y), (X, y), epochs=2, lr=0.1)


def test_fit_argument_errors():
    X, y = blobs(10)
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    with pytest.raises(ValueError, match="exactly one"):
        train.fit(net, (X, y), (X, y), epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        train.fit(net, (X, y), (X, y), epochs=0, lr=0.1)
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        train.fit(net, (X, y), (X, y), epochs=1, lr=0.1, batch_size=0)
    with pytest.raises(ValueError, match="training data is empty"):
        train.fit(net, (X[:0], y[:0]), (X, y), epochs=1, lr=0.1)


def test_a_sweep_announces_its_setting_once(capsys):
    """``announce=False`` leaves only the result line; ``describe_run`` is the line ``fit`` would print."""
    X, y = blobs(60)
    line = train.describe_run(60, epochs=1, batch_size=16)  # the precision fit picks on this device
    assert line == "profile quick, 60 training images, 1 epochs, batch size 16, fp32"
    cuda = train.describe_run(60, epochs=1, batch_size=16, device=torch.device("cuda"))
    assert cuda.endswith("batch size 16, bf16")  # named, not used: no GPU is needed
    for announce in (True, False):
        train.fit(nn.Sequential(nn.Flatten(), nn.Linear(16, 3)), (X, y), (X, y), epochs=1, lr=0.1,
                  batch_size=16, announce=announce)
        out = capsys.readouterr().out
        assert out.count(line) == (1 if announce else 0)
        assert "examples/sec" in out


def test_evaluate_uses_eval_mode_and_restores_it():
    modes = []

    class Probe(nn.Module):
        def forward(self, x):
            modes.append(self.training)
            return x.flatten(1)[:, :3]

    net = nn.Sequential(Probe(), nn.Linear(3, 3))
    net.train()
    X, y = blobs(8)
    train.evaluate(net, X, y)
    assert modes == [False] and net.training


def test_dropout_is_off_during_evaluation():
    net = nn.Sequential(nn.Flatten(), nn.Dropout(0.9), nn.Linear(16, 3))
    X, _ = blobs(64)
    first = train.predict(net, X)
    assert torch.equal(first, train.predict(net, X))  # deterministic: no dropout at evaluation


def test_prepare_scales_adds_channel_and_resizes():
    x = torch.full((2, 28, 28), 255, dtype=torch.uint8)
    out = train.prepare(x)
    assert out.shape == (2, 1, 28, 28) and out.dtype == torch.float32 and float(out.max()) == 1.0
    assert train.prepare(x, resize=64).shape == (2, 1, 64, 64)
    with pytest.raises(ValueError, match="resize"):
        train.prepare(torch.zeros(2, 5), resize=8)


def test_fit_resizes_on_the_fly():
    X, y = blobs(64)
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))  # 8x8 after resizing
    h = train.fit(net, (X, y), (X, y), epochs=1, lr=0.1, resize=8)
    assert len(h.test_acc) == 1


def test_terminal_shows_live_progress(monkeypatch, capsys):
    """A person in a terminal sees the line rewritten in place; the final line is the result."""
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    X, y = blobs(64)
    h = train.fit(nn.Sequential(nn.Flatten(), nn.Linear(16, 3)), (X, y), (X, y), epochs=2, lr=0.1)
    out = capsys.readouterr().out
    assert "\repoch 2/2: " in out
    assert out.rstrip().endswith(h.summary())


def test_piped_output_has_no_progress_noise(capsys):
    X, y = blobs(64)
    h = train.fit(nn.Sequential(nn.Flatten(), nn.Linear(16, 3)), (X, y), (X, y), epochs=2, lr=0.1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "\r" not in "".join(lines)
    assert lines[1] == h.summary()


def test_precision_choice():
    assert train.precision_for(torch.device("cpu")) == "fp32"  # the CPU keeps full precision
    assert train.precision_for(torch.device("cuda", 0)) == "bf16"
    assert train.precision_for(torch.device("cuda", 0), "fp32") == "fp32"
    with pytest.raises(ValueError, match="precision"):
        train.precision_for(torch.device("cpu"), "fp16")


def test_bf16_autocast_path_learns(capsys):
    """The bf16 autocast path (the CUDA default) also trains; exercised here with CPU autocast."""
    X, y = blobs()
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    h = train.fit(net, (X[:500], y[:500]), (X[500:], y[500:]), epochs=3, lr=0.5, batch_size=32, precision="bf16")
    assert "batch size 32, bf16" in capsys.readouterr().out
    assert h.test_acc[-1] > 0.9
    assert net[1].weight.dtype == torch.float32  # autocast leaves the weights in fp32
