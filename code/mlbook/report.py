"""Where a chapter executed: the banner at the top of every chapter, read back by the execution report."""

from __future__ import annotations

import time

from mlbook import runtime

_started: float | None = None


class Text:
    """A string that displays without quotes (for glue and live displays)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def banner() -> None:
    """Print and glue where this chapter executes (device, profile, time); start the chapter's clock."""
    global _started
    _started = time.perf_counter()
    info = runtime.describe()
    print(f"executed {info['time']} on {info['device']} ({info['device_name']}), profile {info['profile']}, "
          f"torch {info['torch']}, {info['threads']} CPU threads")
    _glue({"exec_device": info["device"], "exec_profile": info["profile"], "exec_time": info["time"]})


def finish() -> None:
    """Glue the seconds since ``banner()`` (the last cell of a chapter)."""
    if _started is None:
        raise RuntimeError("call report.banner() at the top of the chapter before report.finish()")
    seconds = time.perf_counter() - _started
    _glue({"exec_seconds": f"{seconds:.1f}"})



def _glue(values: dict[str, str]) -> None:
    from myst_nb import glue  # only the book build and Jupyter need myst_nb

    for key, value in values.items():
        glue(key, Text(value), display=False)
