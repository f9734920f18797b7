import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import KFold

from mlbook.select import k_fold


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 60).flatmap(lambda n: st.tuples(st.just(n), st.integers(2, n))))
def test_matches_scikit_learn_kfold(nk):
    n, k = nk
    ours = [(tr.tolist(), va.tolist()) for tr, va in k_fold(n, k)]
    theirs = [(tr.tolist(), va.tolist()) for tr, va in KFold(n_splits=k).split(range(n))]
    assert ours == theirs


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 200), st.integers(2, 10), st.integers(0, 2**31 - 1))
def test_shuffled_folds_partition_the_examples(n, k, seed):
    k = min(k, n)
    vals = []
    for train, val in k_fold(n, k, shuffle=True, generator=torch.Generator().manual_seed(seed)):
        assert len(set(train.tolist()) & set(val.tolist())) == 0
        assert len(train) + len(val) == n
        vals += val.tolist()
    assert sorted(vals) == list(range(n))


@pytest.mark.parametrize(("n", "k"), [(5, 1), (5, 6), (0, 2)])
def test_impossible_k_is_rejected(n, k):
    with pytest.raises(ValueError, match="2 <= k <= n"):
        next(k_fold(n, k))
