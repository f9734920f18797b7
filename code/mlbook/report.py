"""Where a chapter executed: the banner at the top of every chapter, read back by the execution report."""

from __future__ import annotations

import time

from mlbook import runtime
from mlbook.runtime import Text  # chapters glue report.Text

_started: float | None = None


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


def show_table(header, rows) -> None:
    """Display a small pipe table as a cell output (the book renders Markdown outputs as MyST)."""
    from IPython.display import Markdown, display

    lines = ["| " + " | ".join(str(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows]
    display(Markdown("\n".join(lines)))


def reduced_note(b: runtime.Budget):
    """A warning box saying that the figures below come from a reduced quick-profile run; None in the full setting.

    Display it right before the training cell's output, e.g. ``display(report.reduced_note(budget))``.
    """
    if not b.reduced:
        return None
    from IPython.display import Markdown

    def images(n: int | None) -> str:
        return "全部" if n is None else f" {n} 张"

    epochs, n_train = b.full
    return Markdown(
        "```{admonition} 缩减运行\n:class: warning\n"
        f"本页在 quick 配置下执行（没有 GPU 时的默认配置）：这次训练用了{images(b.n_train)}训练图像、"
        f"{images(b.n_test).strip()}测试图像、{b.epochs} 个迭代周期，而完整设置是{images(n_train)}训练图像、"
        f"{epochs} 个迭代周期。下面的损失、准确率和速度都来自这次缩减的运行，不代表完整训练的效果。"
        "完整设置下的结果见这次运行之后的“完整设置的记录”。\n```")


def _glue(values: dict[str, str]) -> None:
    from myst_nb import glue  # only the book build and Jupyter need myst_nb

    for key, value in values.items():
        glue(key, Text(value), display=False)
