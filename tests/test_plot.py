import functools
import io
import os
import subprocess
import sys
import time
import warnings

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch

from mlbook import plot
from mlbook.train import History


@pytest.fixture(autouse=True)
def style():
    with matplotlib.rc_context(), warnings.catch_warnings():
        plot.setup()
        yield
        plt.close("all")


def svg_of(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    return buf.getvalue()


def test_chinese_text_draws_without_missing_glyphs():
    fig, ax = plt.subplots()
    ax.set_title("训练损失与测试准确率 −0.5")
    ax.set_xlabel("迭代周期")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = svg_of(fig)
    assert "<path" in svg  # text is drawn as outlines


def test_a_missing_glyph_is_an_error():
    fig, ax = plt.subplots()
    ax.set_title("\U0001f9ea")  # an emoji that neither the CJK font nor DejaVu Sans has
    with pytest.raises(UserWarning, match="missing from"):
        svg_of(fig)


def test_style_uses_a_cjk_font_first():
    assert matplotlib.rcParams["font.sans-serif"][0] == plot.cjk_font()
    assert matplotlib.rcParams["svg.fonttype"] == "path"


def test_cjk_font_missing_says_how_to_install(monkeypatch):
    monkeypatch.setattr(plot, "CJK_FONTS", ("No Such Font",))
    with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
        plot.cjk_font()


def test_history_draws_two_panels_with_all_points():
    h = History(device="cpu", train_loss=[1.0, 0.5, 0.3], train_acc=[0.5, 0.7, 0.8], test_acc=[0.5, 0.6, 0.7],
                examples_per_sec=[1.0] * 3, seconds=[1.0] * 3)
    fig = plot.history(h)
    left, right = fig.axes
    assert [len(line.get_xdata()) for line in left.lines] == [3]
    assert [line.get_label() for line in right.lines] == ["训练准确率", "测试准确率"]
    assert list(right.lines[1].get_ydata()) == [0.5, 0.6, 0.7]


def test_image_grid_lays_out_and_titles():
    images = torch.zeros(10, 28, 28, dtype=torch.uint8)
    fig = plot.image_grid(images, [f"图{i}" for i in range(10)], ncols=4, title_colors=["red"] * 10)
    assert len(fig.axes) == 12  # 3 rows of 4, two left empty
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == 10 and titled[0].title.get_color() == "red"


def test_curves_log_scale_and_labels():
    ax = plot.curves({"a": [1, 10, 100]}, ylabel="损失", logy=True, x0=0)
    assert ax.get_yscale() == "log" and list(ax.lines[0].get_xdata()) == [0, 1, 2]


def test_curves_put_ticks_on_whole_epochs_only():
    ax = plot.curves({"train": [0.9, 0.5]})  # two epochs: matplotlib alone would tick 1.0, 1.2, ..., 2.0
    ax.figure.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks == [1, 2]
    plt.close(ax.figure)


def test_two_line_titles_get_room_above_the_next_row():
    images = torch.zeros(8, 28, 28, dtype=torch.uint8)
    one = plot.image_grid(images, ["外套"] * 8, ncols=4)
    two = plot.image_grid(images, ["真：外套\n预：衬衫"] * 8, ncols=4)
    for fig in (one, two):
        fig.canvas.draw()
    # the title of a lower image must end below the image above it
    upper, lower = two.axes[0], two.axes[4]
    renderer = two.canvas.get_renderer()
    assert lower.title.get_window_extent(renderer).y1 <= upper.get_window_extent(renderer).y0 + 1
    assert two.get_figheight() > one.get_figheight()
    plt.close(one)
    plt.close(two)


def test_axes_show_plain_numbers_without_an_offset():
    plot.setup()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [2.3040, 2.3046])
    fig.canvas.draw()
    assert ax.yaxis.get_offset_text().get_text() == ""
    plt.close(fig)


def test_a_figure_is_the_same_file_whatever_the_time():
    """The SVG a notebook shows for one figure, drawn in two processes a second apart, is byte for byte the same."""
    script = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "import matplotlib.pyplot as plt\n"
        "from mlbook import plot\n"
        "plot.setup()\n"
        "fig, ax = plt.subplots()\n"
        "ax.plot([1, 2, 3], [3, 1, 2]); ax.set_title('训练损失')\n"
        "sys.stdout.write(shell.display_formatter.formatters['image/svg+xml'](fig))\n")
    run = functools.partial(subprocess.run, [sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, timeout=120, env={**os.environ, "MPLBACKEND": "Agg"})
    first = run().stdout
    time.sleep(1.1)
    second = run().stdout
    assert "<svg" in first and "<dc:date>" not in first
    assert first == second
