"""What pages display beside their own figures: tables, the environment they execute in, the reduced-run box."""

from __future__ import annotations

from mlbook import runtime
from mlbook.runtime import Text as Text  # re-exported: chapters glue report.Text


def show_environment() -> None:
    """Display where this page executes (device, profile, PyTorch, CPU threads, time) as a table.

    A chapter needs no such cell: the build states when, where and in how long each chapter executed, under its
    title and in the execution report (``_ext/execution.py``).
    """
    info = runtime.describe()
    show_table(["设备", "设备型号", "配置", "PyTorch", "CPU 线程", "执行时刻"],
               [[f"`{info['device']}`", info["device_name"], f"`{info['profile']}`", info["torch"],
                 info["threads"], info["time"]]])


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
