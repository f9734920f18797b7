import pytest

from mlbook import report


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
