import pytest

from mlbook import data


@pytest.fixture(autouse=True)
def _fresh_data_cache():
    """Each test sees the data folders as they are now, not as an earlier test left the cache."""
    data._load.cache_clear()
    yield
    data._load.cache_clear()
