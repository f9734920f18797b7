"""Shapes and sizes of networks: the convolution output-size formula, layer-by-layer shape tables, parameter counts."""

from __future__ import annotations

import sympy as sp
import torch
from torch import nn


def conv_out(n: int, kernel: int, padding: int = 0, stride: int = 1, dilation: int = 1) -> int:
    """Output length along one axis of a convolution or pooling layer, as PyTorch computes it.

    ``padding`` is added on EACH side (PyTorch's ``padding=p``), so the padded length is ``n + 2p``.
    """
    for name, value, low in (("n", n, 1), ("kernel", kernel, 1), ("stride", stride, 1), ("dilation", dilation, 1),
                             ("padding", padding, 0)):
        if int(value) != value or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    span = dilation * (kernel - 1) + 1  # the input length one output element sees
    if span > n + 2 * padding:
        raise ValueError(f"the kernel spans {span} elements but the padded input has only {n + 2 * padding} "
                         f"(n={n}, padding={padding} per side): use a smaller kernel or more padding")
    return (n + 2 * padding - span) // stride + 1


def conv_out_symbolic() -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """The same formula as a sympy expression in ``n, k, p, s, d`` (padding ``p`` per side)."""
    n, k, p, s, d = sp.symbols("n k p s d", integer=True, positive=True)
    return sp.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1, (n, k, p, s, d)


def n_params(module: nn.Module) -> int:
    """How many numbers the module learns (all its parameters, its children's included)."""
    return sum(p.numel() for p in module.parameters())


def shape_table(model: nn.Module, input_shape: tuple[int, ...],
                leaves: bool = True) -> list[tuple[str, str, tuple[int, ...], int]]:
    """``(name, layer type, output shape, parameters)`` for each leaf module, from one forward pass on zeros.

    ``leaves=False`` reports the top-level children instead (a whole block as one row, as the notes print VGG).
    The zeros live where the model's parameters do, so a model on the ``meta`` device gives shapes for free.
    """
    rows: list[tuple[str, str, tuple[int, ...], int]] = []
    if leaves:
        modules = [(name, m) for name, m in model.named_modules() if next(m.children(), None) is None]
    else:
        modules = list(model.named_children())
    hooks = []
    for name, module in modules:
        def record(mod, _inputs, output, name=name):
            rows.append((name, type(mod).__name__, tuple(output.shape), n_params(mod)))

        hooks.append(module.register_forward_hook(record))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            first = next(model.parameters(), None)
            model(torch.zeros(input_shape, device=first.device if first is not None else "cpu"))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return rows


def block_table(net: nn.Sequential, input_shape: tuple[int, ...]) -> list[tuple[int, str, tuple[int, ...], int]]:
    """``(index, type, output shape without the batch axis, parameters)`` for each top-level child of ``net``."""
    return [(int(name), kind, shape[1:], n) for name, kind, shape, n in shape_table(net, input_shape, leaves=False)]
