"""The benchmark scripts and the GPU run's helpers still run (tiny settings on the CPU; no timing is checked)."""

import importlib
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch
from jupyter_cache import get_cache
from torch import nn

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"


def recipes():
    """``bench/recipes.py`` as a module (it imports its neighbour ``throughput``), leaving ``sys.path`` as it was:
    ``bench/search.py`` must not hide ``_ext/search.py`` from other tests."""
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("recipes")
    finally:
        sys.path.remove(str(BENCH))


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLBOOK_DEVICE": "cpu", "OMP_NUM_THREADS": "1"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def test_throughput_prints_both_ways_and_their_ratio():
    result = run(sys.executable, str(BENCH / "throughput.py"), "--models", "lenet", "--steps", "3", "--warmup", "1",
                 "--workers", "0", "--batch-size", "32")
    assert result.returncode == 0, result.stderr[-2000:]
    row = re.search(r"^lenet\s+(\d+)\s+(\d+)\s+(\d+\.\d\d)\s+(\d+\.\d\d)$", result.stdout, re.MULTILINE)
    assert row, result.stdout
    usual, fit, ratio = int(row[1]), int(row[2]), float(row[3])
    assert usual > 0 and fit > 0 and abs(ratio - fit / usual) < 0.02 * ratio + 0.01


def test_recipes_and_precision_train_each_way():
    recipes = run(sys.executable, str(BENCH / "recipes.py"), "--models", "lenet", "--recipes", "d2l", "both",
                  "--epochs", "1", "--n-train", "256", "--n-test", "64")
    assert recipes.returncode == 0, recipes.stderr[-2000:]
    assert re.search(r"^lenet\s+d2l\s+0\.\d{3}", recipes.stdout, re.MULTILINE)
    assert re.search(r"^lenet\s+both\s+0\.\d{3}", recipes.stdout, re.MULTILINE)
    assert "lenet, both: cosine learning-rate schedule" in recipes.stdout
    assert "lenet, d2l: constant learning rate" in recipes.stdout
    precision = run(sys.executable, str(BENCH / "precision.py"), "--model", "lenet", "--epochs", "1",
                    "--n-train", "256")
    assert precision.returncode == 0, precision.stderr[-2000:]
    assert re.search(r"^\s+1\s+0\.\d{3}\s+0\.\d{3}$", precision.stdout, re.MULTILINE)
    assert "fp32: " in precision.stdout and "bf16: " in precision.stdout


def test_standardize_gives_the_training_images_mean_0_and_std_1():
    X = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    layer = recipes().Standardize.of(X)
    z = layer(X.float() / 255)
    assert abs(z.mean().item()) < 1e-5 and z.std().item() == pytest.approx(1, abs=1e-4)
    assert "mean=" in repr(layer)
    with pytest.raises(ValueError, match="std"):
        recipes().Standardize(0.5, 0.0)


def test_cosine_sgd_decays_the_rate_to_zero_by_the_last_batch():
    from test_train import blobs

    from mlbook import data, train

    X, y = blobs()
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    opt = recipes().CosineSGD(net.parameters(), lr=0.5, total_steps=2 * data.count_batches(600, 100))
    seen = []
    opt.register_step_pre_hook(lambda o, args, kwargs: seen.append(o.param_groups[0]["lr"]))
    h = train.fit(net, (X, y), (X, y), epochs=2, optimizer=opt, batch_size=100, announce=False)
    assert len(seen) == 12 and seen[0] == 0.5  # 6 batches per epoch, the first at the full rate
    assert all(a > b for a, b in itertools.pairwise(seen))  # falls after every batch
    assert seen[6] == pytest.approx(0.25)  # half way: cos(pi/2) = 0, half the rate
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12) and h.test_acc[-1] > 0.9


def test_exec_table_lists_each_chapter_from_the_cache(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)", execution_count=1)],
                                  metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    chapter = tmp_path / "book" / "one.ipynb"
    chapter.parent.mkdir()
    nbformat.write(nb, chapter)
    get_cache(str(tmp_path / "cache")).cache_notebook_file(chapter, check_validity=False,
                                                            data={"execution_seconds": 12.34})
    result = run(sys.executable, str(BENCH / "gpu" / "exec_table.py"), str(tmp_path / "cache"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\| book/one\.ipynb \| 12\.3 \|", result.stdout, re.MULTILINE)
    assert "| all 1 | 12.3 |" in result.stdout
    missing = run(sys.executable, str(BENCH / "gpu" / "exec_table.py"), str(tmp_path / "none"), cwd=tmp_path)
    assert missing.returncode == 1 and "no chapter finished executing" in missing.stdout


def test_gpu_run_refuses_an_unknown_phase(tmp_path):
    result = subprocess.run(["bash", str(BENCH / "gpu" / "run.sh"), "train"], capture_output=True, text=True,
                            env={**os.environ, "OUT": str(tmp_path)}, timeout=60)
    assert result.returncode == 2 and "usage:" in result.stderr and "build|bench|recipes|compile|all" in result.stderr
    assert not any(tmp_path.iterdir())  # nothing was started


def test_rebuild_bench_stops_where_a_step_fails(tmp_path):
    """bench/rebuild.py stops with the failing command's output where a step fails (here: a folder with no
    book), instead of timing it, and refuses a run count below 1."""
    assert run(sys.executable, str(BENCH / "rebuild.py"), "--runs", "0").returncode == 2
    empty = tmp_path / "checkout"
    (empty / ".venv" / "bin").mkdir(parents=True)
    (empty / ".venv" / "bin" / "python").symlink_to(sys.executable)
    result = run(sys.executable, str(BENCH / "rebuild.py"), "--runs", "1", str(empty))
    assert result.returncode == 1 and "failed in" in result.stderr
