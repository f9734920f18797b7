from mlbook import report, runtime


def test_show_environment_names_device_profile_and_torch(monkeypatch):
    import IPython.display
    import torch

    monkeypatch.setenv("MLBOOK_DEVICE", "cpu")
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")
    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    report.show_environment()
    header, _, row = shown[0].data.splitlines()
    cells = dict(zip(header.strip("| ").split(" | "), row.strip("| ").split(" | "), strict=True))
    assert cells["设备"] == "`cpu`" and cells["配置"] == "`quick`" and cells["PyTorch"] == torch.__version__
    assert cells["设备型号"] == runtime.cpu_name() and cells["执行时刻"].endswith("UTC")


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
