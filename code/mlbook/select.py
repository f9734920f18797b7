"""How a model is chosen: K-fold cross-validation splits (introduced in K 折交叉验证)."""

from __future__ import annotations

from collections.abc import Iterator

import torch


def k_fold(n: int, k: int, *, shuffle: bool = False,
           generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """``(train_idx, val_idx)`` for each of ``k`` folds of ``n`` examples.

    Folds are contiguous blocks of the (optionally shuffled) order; the first ``n % k`` folds hold one
    example more, as in scikit-learn's ``KFold``, so every example is validated exactly once.
    """
    if not 2 <= k <= n:
        raise ValueError(f"k must satisfy 2 <= k <= n (got k={k}, n={n}): each fold needs at least one example")
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    start = 0
    for size in sizes:
        val = order[start:start + size]
        train = torch.cat([order[:start], order[start + size:]])
        yield train, val
        start += size
