"""The Sphinx extension _ext/publish.py: the readers' notebooks and one copy of each script per page."""

import json
from types import SimpleNamespace
from unittest import mock

import publish
from IPython.core.inputtransformer2 import TransformerManager

REPO = "https://github.com/mlbook/mlbook"


def cell(kind: str, source: str) -> dict:
    extra = {"execution_count": 1, "outputs": []} if kind == "code" else {}
    return {"cell_type": kind, "id": source[:8], "metadata": {}, "source": source, **extra}


def chapter(*code: str) -> dict:
    return {"cells": [cell("markdown", "# 标题"), *(cell("code", c) for c in code),
                      cell("code", f"{publish.FINGERPRINT_MARKER}: 0123456789abcdef")],
            "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}


def run_install_cell(source: str, mlbook_missing: bool) -> list[tuple[str, str]]:
    """Execute the cell as IPython would, with a stand-in for %pip; returns the magics it called."""
    calls = []
    shell = mock.Mock(run_line_magic=lambda name, line: calls.append((name, line)))
    code = TransformerManager().transform_cell(source)
    with mock.patch("importlib.util.find_spec", return_value=None if mlbook_missing else object()):
        exec(code, {"get_ipython": lambda: shell})
    return calls


def test_readers_notebook_starts_with_the_install_cell_and_drops_the_fingerprint():
    nb = publish.for_readers(chapter("from mlbook import plot", "plot.setup()"), REPO, "notebooks")
    first = nb["cells"][0]
    assert first["cell_type"] == "code" and first["outputs"] == [] and first["execution_count"] is None
    assert [c["source"] for c in nb["cells"][1:]] == ["# 标题", "from mlbook import plot", "plot.setup()"]
    assert nb["metadata"] == {"kernelspec": {"name": "python3"}}
    assert publish.for_readers(nb, REPO, "notebooks") is nb  # once only: builds run it on every notebook


def test_install_cell_does_nothing_where_mlbook_is_there_and_installs_it_from_the_repository_elsewhere():
    source = "".join(publish.for_readers(chapter("x = 1"), REPO, "notebooks")["cells"][0]["source"])
    assert run_install_cell(source, mlbook_missing=False) == []
    assert run_install_cell(source, mlbook_missing=True) == [
        ("pip", f'install --quiet "mlbook[notebook] @ git+{REPO}@notebooks"')]


def test_chapters_that_read_fashion_mnist_also_fetch_it():
    reads = "".join(publish.for_readers(chapter('data.fashion_mnist("train")'), REPO, "b")["cells"][0]["source"])
    plain = "".join(publish.for_readers(chapter("torch.ones(3)"), REPO, "b")["cells"][0]["source"])
    assert 'data.main(["--fetch"])' in reads and "--fetch" not in plain
    compile(TransformerManager().transform_cell(reads), "install", "exec")


def test_extension_rewrites_the_executed_notebooks_in_place(tmp_path):
    folder = tmp_path / "_build" / "jupyter_execute" / "book"
    folder.mkdir(parents=True)
    (folder / "a.ipynb").write_text(json.dumps(chapter("x = 1")), encoding="utf-8")
    prose = {"cells": [cell("markdown", "只有文字")], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "b.ipynb").write_text(json.dumps(prose), encoding="utf-8")
    app = SimpleNamespace(outdir=str(tmp_path / "_build" / "html"),
                          config=SimpleNamespace(html_theme_options={"repository_url": REPO,
                                                                     "repository_branch": "notebooks"},
                                                 nb_execution_cache_path=str(tmp_path / "no-cache")))
    publish._prepare_notebooks(app, None)
    a = json.loads((folder / "a.ipynb").read_text(encoding="utf-8"))
    assert "".join(a["cells"][0]["source"]).startswith(publish.INSTALL_MARKER)
    assert json.loads((folder / "b.ipynb").read_text(encoding="utf-8")) == prose  # no code, nothing to install


def test_each_script_appears_once_on_a_page():
    from sphinx.builders.html._assets import _JavaScript

    thebe = {"body": 'const THEBE_JS_URL = "x"'}
    scripts = [_JavaScript(None, **thebe), _JavaScript("_static/a.js"), _JavaScript("", **thebe),
               _JavaScript("_static/a.js")]
    context = {"script_files": scripts}
    publish._one_copy_of_each_script(None, "page", "page.html", context, None)
    assert context["script_files"] is scripts  # the builder's own list, changed in place
    assert [(s.filename, s.attributes.get("body")) for s in scripts] == [(None, thebe["body"]), ("_static/a.js", None)]


def test_outputs_come_from_the_execution_cache(tmp_path):
    """MyST-NB writes a chapter taken from the cache without outputs; the reader's copy gets them back."""
    import nbformat
    from jupyter_cache import get_cache

    source = chapter("print(6 * 7)")
    executed = json.loads(json.dumps(source))
    executed["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "42\n"}]
    path = tmp_path / "executed.ipynb"
    nbformat.write(nbformat.from_dict(executed), path)
    get_cache(str(tmp_path / "cache")).cache_notebook_file(path, check_validity=False)
    merged = publish.with_cached_outputs(source, tmp_path / "cache")
    assert "".join(merged["cells"][1]["outputs"][0]["text"]) == "42\n"
    other = chapter("print(1)")
    assert publish.with_cached_outputs(other, tmp_path / "cache") is other  # no match: as it was
