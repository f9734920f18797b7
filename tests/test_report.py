import pytest

from mlbook import report, runtime


def test_finish_needs_banner(monkeypatch):
    monkeypatch.setattr(report, "_started", None)
    with pytest.raises(RuntimeError, match="banner"):
        report.finish()


def test_banner_prints_and_glues_where_it_ran(monkeypatch, capsys):
    monkeypatch.setenv("MLBOOK_DEVICE", "cpu")
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")
    glued = {}
    monkeypatch.setattr(report, "_glue", glued.update)
    report.banner()
    report.finish()
    assert "on cpu" in capsys.readouterr().out
    assert glued["exec_device"] == "cpu" and glued["exec_profile"] == "quick"
    assert float(glued["exec_seconds"]) >= 0


def test_text_displays_without_quotes():
    assert repr(report.Text("cpu")) == "cpu"


def test_reduced_note_only_for_a_cut_run(monkeypatch):
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")
    note = report.reduced_note(runtime.budget(10, quick_epochs=2, quick_n_train=512, quick_n_test=256))
    text = note.data
    assert text.startswith("```{admonition} 缩减运行") and text.rstrip().endswith("```")
    for fact in ("512 张训练图像", "256 张测试图像", "2 个迭代周期", "完整设置是全部训练图像、10 个迭代周期",
                 "完整设置的记录"):
        assert fact in text
    assert report.reduced_note(runtime.budget(10)) is None  # nothing was cut
    monkeypatch.setenv("MLBOOK_PROFILE", "full")
    assert report.reduced_note(runtime.budget(10, quick_epochs=2, quick_n_train=512)) is None


def test_show_table_displays_a_pipe_table(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    report.show_table(["层", "形状"], [("Conv2d", (6, 28, 28)), ("Flatten", 400)])
    assert shown[0].data.splitlines() == ["| 层 | 形状 |", "|---|---|", "| Conv2d | (6, 28, 28) |",
                                          "| Flatten | 400 |"]
