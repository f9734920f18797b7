"""A chapter's training run in one call: train, check, draw, record, and show the recorded full run (from LeNet on).

``train`` is what a chapter calls for each run it reports. In the ``full`` profile it saves the run's record
(``mlbook.records``); where the ``quick`` profile reduced the run, it shows the recorded full-setting run right
after this build's own, labelled as such, or says in one line that there is none and how to make one.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torch import nn

from mlbook import plot, records, report, runtime
from mlbook.train import History, fit, precision_for

MAKE_RECORD = "MLBOOK_PROFILE=full make book"  # then `make records`: the README says so too


def train(key: str, net: nn.Module, train_data: tuple[torch.Tensor, torch.Tensor],
          test_data: tuple[torch.Tensor, torch.Tensor], budget: runtime.Budget, *, lr: float | None = None,
          batch_size: int = 256, floor: float | None = None, title: str | None = None, draw: bool = True,
          glue: str | None = None, seed: int = 0, **fit_args) -> History:
    """Train ``net`` with ``fit`` on as much data and as many epochs as ``budget`` allows; return the history.

    ``key`` names the run's record, ``"<chapter>/<run>"``. The data order is seeded with ``seed`` (seed the
    network's initialisation before building it). ``floor`` is the test accuracy the last epoch must reach; it
    is checked only when the run was not reduced. The loss and accuracy curves are drawn under ``title`` (unless
    ``draw=False``, for a chapter that draws several runs in one figure).
    ``glue`` is a prefix: ``<glue>_test_acc``, ``_train_acc``, ``_train_loss``, ``_speed``, ``_seconds``,
    ``_epochs``, ``_n_train`` and ``_device`` are glued for the chapter's prose. Other keyword arguments go to
    ``fit`` (``resize``, ``precision``, ``optimizer``, ``loss_fn``).
    """
    records.check_key(key)
    X, y = train_data[0][:budget.n_train], train_data[1][:budget.n_train]
    X_test, y_test = test_data[0][:budget.n_test], test_data[1][:budget.n_test]
    if budget.reduced:
        _display(report.reduced_note(budget))
    history = fit(net, (X, y), (X_test, y_test), epochs=budget.epochs, lr=lr, batch_size=batch_size,
                  generator=runtime.seed(seed), **fit_args)
    if len(history.test_acc) != budget.epochs:
        raise AssertionError(f"{key}: {len(history.test_acc)} epochs recorded, {budget.epochs} run")
    if floor is not None and not budget.reduced and history.test_acc[-1] < floor:
        raise AssertionError(f"{key}: test accuracy {history.test_acc[-1]:.3f} is below the floor {floor} "
                             f"({history.summary()})")
    if draw:
        plot.history(history, title=title)
        plt.show()
    root = records.book_root()
    if budget.profile == "full" and root is not None:
        device = torch.device(history.device)
        records.write(records.make(key, history, chapter=records.chapter_file(key, root), root=root,
                                   batch_size=batch_size, lr=lr, n_train=len(X), n_test=len(X_test),
                                   precision=precision_for(device, fit_args.get("precision", "auto"))), root)
    if budget.reduced:
        show_record(key, title=title, root=root)
    if glue:
        _glue_run(glue, history, budget, len(X))
    return history


def show_record(key: str, *, title: str | None = None, root=None) -> dict | None:
    """Show the repository's record of the full-setting run ``key`` (a table and its curves), saying whether
    the code changed since; or one line that there is none and how to make one. Returns the record or None."""
    from IPython.display import Markdown

    root = root or records.book_root()
    record = records.find(key, root) if root is not None else None
    if record is None:
        _display(Markdown(
            f"**完整设置的记录：** 还没有（`book/records/{key}.json` 不存在）。在有 GPU 的机器上运行 "
            f"`{MAKE_RECORD}`，再运行 `make records`，就会生成这份记录，之后每次构建的本页都会显示它。"))
        return None
    h = record["history"]
    recorded = records.history(record)
    rows = [
        ["设备", f"{record['device_name']}（`{record['device']}`，{record['precision']}，PyTorch {record['torch']}）"],
        ["日期、提交", f"{record['date']}，`{record['commit']}`"],
        ["训练图像 / 测试图像", f"{record['n_train']:,} / {record['n_test']:,}"],
        ["迭代周期、批量大小", f"{record['epochs']}，{record['batch_size']}"],
        ["最终测试准确率", f"{h['test_acc'][-1]:.3f}（最高 {max(h['test_acc']):.3f}）"],
        ["最终训练损失、训练准确率", f"{h['train_loss'][-1]:.3f}，{h['train_acc'][-1]:.3f}"],
        ["训练用时", f"{sum(h['seconds']):.1f} 秒（每秒约 {recorded.median_speed:,.0f} 张图像）"],
    ]
    changed = records.changed_files(record, root)
    stale = ("" if not changed else
             "\n\n这份记录早于以下文件的改动，它的数字来自改动之前的代码：" + "、".join(f"`{f}`" for f in changed)
             + f"。在有 GPU 的机器上重新运行 `{MAKE_RECORD}` 和 `make records` 即可更新。")
    table = "\n".join(["| 项目 | 记录的值 |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])
    _display(Markdown(
        "```{admonition} 完整设置的记录：另一次构建中的运行，不是本页这次运行\n:class: note\n"
        f"下表和下图读自 `book/records/{key}.json`：{record['date']} 在 {record['device_name']} 上"
        f"按完整设置训练的结果。\n\n{table}{stale}\n```"))
    plot.history(recorded, title=f"完整设置的记录（{record['device_name']}，{record['date']}）"
                 + (f"：{title}" if title else ""))
    plt.show()
    return record


def _glue_run(prefix: str, history: History, budget: runtime.Budget, n_train: int) -> None:
    from myst_nb import glue

    values = {
        "test_acc": history.test_acc[-1], "train_acc": history.train_acc[-1], "train_loss": history.train_loss[-1],
        "speed": history.median_speed, "seconds": sum(history.seconds),
        "epochs": budget.epochs, "device": report.Text(history.device),
        "n_train": report.Text("全部训练图像" if budget.n_train is None else f"{n_train} 张训练图像"),
    }
    for name, value in values.items():
        glue(f"{prefix}_{name}", value, display=False)


def _display(obj) -> None:
    from IPython.display import display

    display(obj)
