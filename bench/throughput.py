"""Training throughput of the book's CNNs, two ways side by side on one device (issue 5's benchmark).

1. The usual pipeline: torchvision's ``FashionMNIST`` with ``Resize`` and ``ToTensor`` in a ``DataLoader``
   with worker processes, fp32, each batch copied to the device.
2. ``mlbook.train.fit``: uint8 images resident on the device, converted and resized there, channels-last,
   bf16 autocast and cuDNN autotuning on CUDA (fp32 on the CPU); optionally ``torch.compile``.

Both train the same model for the same number of steps; the first steps of each are a warm-up and are not
timed. Prints images/s, the ratio of the two, and the TFLOP/s that ``fit`` achieves (model FLOPs of a
training step from ``torch.utils.flop_counter``). With ``--compile``, also the compiled ``fit``: its images/s,
the seconds compilation adds to the first epoch, and after how many training images it has paid them back
(a chapter trains on 600,000: 10 epochs of 60,000). A benchmark, not a test: run it on an idle machine.

    python bench/throughput.py                      # every model, defaults for a GPU
    python bench/throughput.py --models lenet --steps 20 --warmup 5 --workers 2   # a quick CPU check
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from mlbook import data, models, runtime, train

# name: (builder, input side, d2l's learning rate, d2l's batch size)
MODELS = {
    "lenet": (models.lenet, 28, 0.9, 256),
    "alexnet": (models.alexnet, 224, 0.01, 128),
    "vgg": (lambda: models.vgg(models.narrow(models.VGG11)), 224, 0.05, 128),
    "nin": (models.nin, 224, 0.1, 128),
    "googlenet": (models.googlenet, 96, 0.1, 128),
}


def torchvision_root() -> Path:
    """A folder laid out as torchvision's FashionMNIST expects, made from the book's own data files."""
    root = Path(tempfile.mkdtemp(prefix="bench-fmnist-"))
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    source = data.find_dir()
    for img, lab, _ in data.FILES.values():
        for stem in (img, lab):
            found = data.find_file(stem, source)  # gzipped or plain, as mlbook.data accepts them
            opener = gzip.open if found.suffix == ".gz" else open
            with opener(found, "rb") as f_in, open(raw / stem, "wb") as f_out:
                shutil.copyfileobj(f_in, f_out)
    return root


def usual_pipeline(build, side: int, lr: float, steps: int, warmup: int, batch_size: int, workers: int,
                   root: Path, device: torch.device) -> float:
    """Images/s of the textbook DataLoader loop (fp32, Resize and ToTensor in worker processes)."""
    from torchvision import datasets, transforms

    tf = [transforms.ToTensor()] if side == 28 else [transforms.Resize(side), transforms.ToTensor()]
    dataset = datasets.FashionMNIST(root, train=True, transform=transforms.Compose(tf), download=False)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers,
                                         drop_last=True, persistent_workers=workers > 0)
    net = models.xavier_init(build()).to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    done, start = 0, None
    while done < warmup + steps:
        for X, y in loader:
            if done == warmup:
                _sync(device)
                start = time.perf_counter()
            X, y = X.to(device), y.to(device)
            loss = loss_fn(net(X), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            done += 1
            if done == warmup + steps:
                break
    _sync(device)
    return steps * batch_size / (time.perf_counter() - start)


def mlbook_fit(build, side: int, lr: float, steps: int, warmup: int, batch_size: int, compile_: bool,
               device: torch.device) -> tuple[float, float]:
    """Images/s of ``fit`` on its second epoch, and the extra seconds its first epoch took (the warm-up:
    cuDNN autotuning, and compilation with ``compile_``) over the second, which has the same size."""
    X, y = data.fashion_mnist("train")
    X_test, y_test = data.fashion_mnist("test")
    n = max(steps, warmup) * batch_size
    net = models.xavier_init(build())
    if compile_:
        net = torch.compile(net)
    h = train.fit(net, (X[:n], y[:n]), (X_test[:batch_size], y_test[:batch_size]), epochs=2, lr=lr,
                  batch_size=batch_size, resize=None if side == 28 else side, device=device,
                  generator=runtime.seed(0))
    return h.examples_per_sec[-1], h.seconds[0] - h.seconds[1]


def train_flops_per_image(build, side: int) -> float:
    """Forward and backward FLOPs of one training image (the optimizer step is not counted)."""
    net = build()
    x = torch.zeros(2, 1, side, side)
    with FlopCounterMode(display=False) as counter:
        net(x).sum().backward()
    return counter.get_total_flops() / 2


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--steps", type=int, default=200, help="timed training steps per way")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps first (cuDNN autotuning, workers)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--workers", type=int, default=4, help="DataLoader workers of the usual pipeline")
    parser.add_argument("--compile", action="store_true", help="also time fit with torch.compile")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.warmup < 0 or args.batch_size < 1 or args.workers < 0:
        parser.error("--steps and --batch-size must be positive, --warmup and --workers not negative")

    device = runtime.device()
    info = runtime.describe()
    print(f"device {info['device']} ({info['device_name']}), torch {info['torch']}, batch {args.batch_size}, "
          f"{args.steps} timed steps after {args.warmup} warm-up steps, {args.workers} DataLoader workers")
    root = torchvision_root()
    try:
        header = f"{'model':<10} {'usual img/s':>12} {'fit img/s':>10} {'ratio':>6} {'fit TFLOP/s':>12}"
        if args.compile:
            header += f" {'compiled img/s':>15} {'ratio':>6} {'compile s':>9} {'pays after':>11}"
        print(header)
        for name in args.models:
            build, side, lr, _ = MODELS[name]  # one batch size for all: --batch-size
            usual = usual_pipeline(build, side, lr, args.steps, args.warmup, args.batch_size, args.workers, root,
                                   device)
            with contextlib.redirect_stdout(io.StringIO()):  # fit's own report lines would break the table
                fast, fast_startup = mlbook_fit(build, side, lr, args.steps, args.warmup, args.batch_size, False,
                                                device)
            tflops = fast * train_flops_per_image(build, side) / 1e12
            line = f"{name:<10} {usual:>12.0f} {fast:>10.0f} {fast / usual:>6.2f} {tflops:>12.2f}"
            if args.compile:
                with contextlib.redirect_stdout(io.StringIO()):
                    compiled, compiled_startup = mlbook_fit(build, side, lr, args.steps, args.warmup,
                                                            args.batch_size, True, device)
                # the compiled run's extra start-up, and the images after which its faster steps have paid it back
                extra = compiled_startup - fast_startup
                saved_per_image = 1 / fast - 1 / compiled
                pays = f"{extra / saved_per_image:>11.0f}" if saved_per_image > 0 else f"{'never':>11}"
                line += f" {compiled:>15.0f} {compiled / usual:>6.2f} {extra:>9.1f} {pays}"
            print(line, flush=True)
    finally:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
