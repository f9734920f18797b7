"""How results are drawn: the book's figure style (SVG, Chinese text), curves, image grids (from 前言 on)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.ticker import MaxNLocator

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC")


# No build time in the SVG (matplotlib writes one by default): a figure that did not change is the same file, and
# its name (a hash of its bytes) stays the same from one build to the next.
SVG_METADATA = {"Date": None}


def cjk_font() -> str:
    """The first installed font that has Chinese glyphs."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    raise RuntimeError("no font with Chinese glyphs is installed; run `make setup` (it installs the Debian "
                       f"package fonts-noto-cjk) or install one of: {', '.join(CJK_FONTS)}")


def setup() -> None:
    """Apply the book's figure style: SVG output, a CJK font, and missing glyphs as errors.

    Called at the top of every chapter that draws; importing this module changes nothing.
    """
    matplotlib.rcParams.update({
        # DejaVu Sans comes second for the glyphs a CJK font lacks (math symbols)
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_font(), "DejaVu Sans"],
        "axes.unicode_minus": False,
        "figure.figsize": (5.5, 3.5),
        "figure.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.formatter.useoffset": False,  # a loss axis reads 2.3040, not "+2.304" and 0.0000 ... 0.0006
        "svg.fonttype": "path",  # text as outlines: readers need no CJK font of their own
        "svg.hashsalt": "mlbook",  # stable ids, so unchanged figures give unchanged files
    })
    # An empty box where a Chinese character belongs is a defect: make it fail the cell.
    warnings.filterwarnings("error", message=r".*[Gg]lyph .* missing from")
    try:
        from IPython import get_ipython
        if get_ipython() is not None:
            from matplotlib_inline.backend_inline import set_matplotlib_formats
            set_matplotlib_formats("svg", metadata=SVG_METADATA)
    except ImportError:
        pass  # plain Python: figures are saved explicitly, no inline format to set


def curves(series: Mapping[str, Sequence[float]], *, xlabel: str = "迭代周期", ylabel: str | None = None,
           title: str | None = None, ax: plt.Axes | None = None, logy: bool = False, x0: int = 1) -> plt.Axes:
    """Plot named series against their index (epochs start at ``x0``)."""
    if ax is None:
        _, ax = plt.subplots()
    for name, values in series.items():
        ax.plot(range(x0, x0 + len(values)), list(values), label=name, marker="o" if len(values) <= 20 else None,
                markersize=3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs and steps: no tick at 1.5
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax


def history(h, *, title: str | None = None) -> plt.Figure:
    """Loss and accuracy curves of a ``fit`` history, side by side."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    curves({"训练损失": h.train_loss}, ylabel="损失", ax=left)
    curves({"训练准确率": h.train_acc, "测试准确率": h.test_acc}, ylabel="准确率", ax=right)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def image_grid(images, titles: Sequence[str] | None = None, *, ncols: int = 8, scale: float = 1.3,
               title_colors: Sequence[str] | None = None) -> plt.Figure:
    """Show a batch of grey images ``(N, H, W)`` (or ``(N, 1, H, W)``) in a grid, with optional titles."""
    n = len(images)
    nrows = (n + ncols - 1) // ncols
    title_lines = max((str(t).count("\n") + 1 for t in titles), default=1) if titles is not None else 0
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * scale, nrows * scale * (1.0 + 0.17 * title_lines)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        img = images[i]
        img = img.squeeze(0) if getattr(img, "ndim", 2) == 3 else img
        ax.imshow(img.detach().cpu().numpy() if hasattr(img, "detach") else img, cmap="gray_r")
        if titles is not None:
            color = title_colors[i] if title_colors is not None else "black"
            ax.set_title(titles[i], fontsize=9, color=color)
    fig.tight_layout()
    return fig
