import pytest
import sympy as sp
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from mlbook.shapes import block_table, conv_out, conv_out_symbolic, n_params, shape_table


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 7), p=st.integers(0, 3), s=st.integers(1, 4), d=st.integers(1, 3))
def test_formula_matches_conv2d_and_maxpool(n, k, p, s, d):
    assume(d * (k - 1) + 1 <= n + 2 * p)
    x = torch.zeros(1, 1, n, n)
    conv = nn.Conv2d(1, 1, k, padding=p, stride=s, dilation=d)
    assert conv(x).shape[-1] == conv_out(n, k, p, s, d)
    if 2 * p <= k:  # PyTorch's pooling allows at most half the kernel as padding
        assert nn.MaxPool2d(k, stride=s, padding=p, dilation=d)(x).shape[-1] == conv_out(n, k, p, s, d)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 7), p=st.integers(0, 3), s=st.integers(1, 4), d=st.integers(1, 3))
def test_symbolic_formula_agrees(n, k, p, s, d):
    assume(d * (k - 1) + 1 <= n + 2 * p)
    expr, symbols = conv_out_symbolic()
    assert int(expr.subs(dict(zip(symbols, (n, k, p, s, d), strict=True)))) == conv_out(n, k, p, s, d)


def test_symbolic_formula_reduces_to_the_textbook_case():
    expr, (n, k, p, s, d) = conv_out_symbolic()
    assert sp.simplify(expr.subs({p: 0, s: 1, d: 1}) - (n - k + 1)) == 0


@pytest.mark.parametrize(("args", "message"), [
    ((5, 7), "kernel spans 7"),          # kernel larger than the padded input
    ((5, 3, 0, 0), "stride"),            # stride 0
    ((5, 3, -1), "padding"),             # negative padding
    ((5, 2.5), "kernel"),                # not an integer
])
def test_invalid_arguments_say_what_is_wrong(args, message):
    with pytest.raises(ValueError, match=message):
        conv_out(*args)


def test_shape_table_lists_leaves_with_shapes_and_parameters():
    net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(1176, 10))
    net.train()
    rows = shape_table(net, (1, 1, 28, 28))
    assert [r[1] for r in rows] == ["Conv2d", "ReLU", "AvgPool2d", "Flatten", "Linear"]
    assert [r[2] for r in rows] == [(1, 6, 28, 28), (1, 6, 28, 28), (1, 6, 14, 14), (1, 1176), (1, 10)]
    assert rows[0][3] == 6 * 25 + 6 and rows[4][3] == 1176 * 10 + 10
    assert net.training  # the mode is restored
    assert not net[0]._forward_hooks  # no hook is left behind


def test_shape_table_of_blocks_reports_each_top_level_child_once():
    block = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    net = nn.Sequential(block, nn.Flatten(), nn.Linear(4 * 14 * 14, 10))
    rows = shape_table(net, (2, 1, 28, 28), leaves=False)
    assert [(name, kind, shape) for name, kind, shape, _ in rows] == [
        ("0", "Sequential", (2, 4, 14, 14)), ("1", "Flatten", (2, 784)), ("2", "Linear", (2, 10))]
    assert rows[0][3] == 4 * 9 + 4  # a block's parameters are those of all its layers
    assert not block._forward_hooks


def test_shape_table_of_a_meta_model_needs_no_memory():
    with torch.device("meta"):
        net = nn.Sequential(nn.Conv2d(1, 512, 3, padding=1), nn.Flatten())
    rows = shape_table(net, (64, 1, 224, 224))
    assert rows[-1][2] == (64, 512 * 224 * 224)  # 6.6 GB had it been real


def test_n_params_counts_every_learned_number_and_nothing_else():
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.LazyLinear(4))
    net(torch.zeros(1, 3, 6, 6))  # materialise the lazy layer: 8 * 4 * 4 inputs
    assert n_params(net) == (3 * 9 * 8 + 8) + (8 + 8) + (8 * 16 * 4 + 4)  # BatchNorm's running stats are buffers
    assert n_params(nn.ReLU()) == 0


def test_block_table_drops_the_batch_axis_and_indexes_blocks():
    net = nn.Sequential(nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.MaxPool2d(2)), nn.Flatten(),
                        nn.Linear(4 * 14 * 14, 10))
    rows = block_table(net, (5, 1, 28, 28))
    assert rows == [(0, "Sequential", (4, 14, 14), 4 * 9 + 4), (1, "Flatten", (784,), 0),
                    (2, "Linear", (10,), 784 * 10 + 10)]
    assert sum(n for *_, n in rows) == n_params(net)
