"""bf16 autocast against fp32: the same model, seed and data trained both ways (issue 5's soundness check).

``fit`` trains under bf16 autocast on CUDA by default. This script trains one model twice with d2l's setting,
once with ``precision="fp32"`` and once with ``precision="bf16"``, and prints both test accuracies per epoch
and the time each took. Run it on the GPU machine; on a CPU use few images (``--n-train``).

    python bench/precision.py --model lenet
    python bench/precision.py --model alexnet --epochs 10
"""

from __future__ import annotations

import argparse
import sys

from throughput import MODELS

from mlbook import data, models, runtime, train


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=list(MODELS), default="lenet")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n-train", type=int, default=None, help="training images (default: all 60,000)")
    parser.add_argument("--batch-size", type=int, default=None, help="default: 256 for LeNet, else 128 (d2l)")
    args = parser.parse_args(argv)
    build, side, lr, d2l_batch_size = MODELS[args.model]
    batch_size = args.batch_size or d2l_batch_size
    X, y = data.fashion_mnist("train")
    X_test, y_test = data.fashion_mnist("test")
    X, y = X[:args.n_train], y[:args.n_train]
    results = {}
    for precision in ("fp32", "bf16"):
        runtime.seed(0)
        net = models.xavier_init(build())
        results[precision] = train.fit(net, (X, y), (X_test, y_test), epochs=args.epochs, lr=lr,
                                       batch_size=batch_size, resize=None if side == 28 else side,
                                       generator=runtime.seed(0), precision=precision)
    print(f"\n{'epoch':>5} {'fp32 test acc':>14} {'bf16 test acc':>14}")
    for epoch, (a, b) in enumerate(zip(results["fp32"].test_acc, results["bf16"].test_acc, strict=True), 1):
        print(f"{epoch:>5} {a:>14.3f} {b:>14.3f}")
    for precision, h in results.items():
        print(f"{precision}: {sum(h.seconds):.1f} s of training; {h.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
