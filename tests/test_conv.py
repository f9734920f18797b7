import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from mlbook.conv import as_batch, corr2d


def test_the_worked_example():
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    assert torch.equal(corr2d(X, K), torch.tensor([[19.0, 25.0], [37.0, 43.0]]))


@settings(max_examples=80, deadline=None)
@given(nh=st.integers(1, 9), nw=st.integers(1, 9), data=st.data())
def test_corr2d_is_what_conv2d_computes(nh, nw, data):
    kh, kw = data.draw(st.integers(1, nh)), data.draw(st.integers(1, nw))
    seed = data.draw(st.integers(0, 2**31 - 1))
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(nh, nw, generator=g, dtype=torch.float64)
    K = torch.randn(kh, kw, generator=g, dtype=torch.float64)
    Y = corr2d(X, K)
    assert Y.shape == (nh - kh + 1, nw - kw + 1) and Y.dtype == X.dtype
    torch.testing.assert_close(Y, F.conv2d(as_batch(X), as_batch(K))[0, 0])


def test_as_batch_adds_the_batch_and_channel_axes():
    assert as_batch(torch.zeros(4, 5)).shape == (1, 1, 4, 5)
    assert as_batch(torch.zeros(3, 4, 5)).shape == (1, 3, 4, 5)


@pytest.mark.parametrize(("X", "K", "message"), [
    (torch.zeros(3, 3), torch.zeros(4, 2), "larger than the input"),
    (torch.zeros(1, 3, 3), torch.zeros(2, 2), "must be 2-D"),
])
def test_bad_shapes_say_what_to_do(X, K, message):
    with pytest.raises(ValueError, match=message):
        corr2d(X, K)
