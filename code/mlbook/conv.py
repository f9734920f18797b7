"""Two-dimensional cross-correlation written out by hand (卷积 chapters), to check ``F.conv2d`` against."""

from __future__ import annotations

import torch


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Cross-correlation of one channel (what ``nn.Conv2d`` computes), as loops over output positions.

    ``X`` is ``(height, width)`` and ``K`` a kernel no larger; the output is ``(h - kh + 1, w - kw + 1)``.
    """
    if X.dim() != 2 or K.dim() != 2:
        raise ValueError(f"corr2d takes one channel: X and K must be 2-D, got {tuple(X.shape)} and {tuple(K.shape)}")
    kh, kw = K.shape
    if kh > X.shape[0] or kw > X.shape[1]:
        raise ValueError(f"the kernel {tuple(K.shape)} is larger than the input {tuple(X.shape)}: pad the input first")
    Y = torch.zeros(X.shape[0] - kh + 1, X.shape[1] - kw + 1, dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + kh, j:j + kw] * K).sum()
    return Y


def as_batch(X: torch.Tensor) -> torch.Tensor:
    """``(h, w) -> (1, 1, h, w)`` and ``(c, h, w) -> (1, c, h, w)``: the layout ``F.conv2d`` expects."""
    return X.reshape(1, -1, *X.shape[-2:])
