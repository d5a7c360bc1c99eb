"""The public API is what ``threadline.__all__`` says it is."""

import threadline


def test_all_names_exist() -> None:
    for name in threadline.__all__:
        assert hasattr(threadline, name), name


def test_all_is_sorted_and_unique() -> None:
    names = [n for n in threadline.__all__ if n != "__version__"]
    assert names == sorted(set(names))


def test_errors_share_one_base() -> None:
    for name in threadline.__all__:
        obj = getattr(threadline, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, threadline.ThreadlineError), name
