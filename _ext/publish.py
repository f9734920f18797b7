"""What the published site and its notebooks need (a Sphinx extension, listed in ``_config.yml``).

* Each chapter's page offers its notebook for download (sphinx-book-theme copies
  ``_build/jupyter_execute/<page>.ipynb`` next to the page when launch buttons are set). Before that copy is
  made, this fills in the outputs from the execution cache (MyST-NB writes that file without them when it
  takes a chapter from the cache), puts a first cell into it that installs ``mlbook`` from the repository where
  it is missing (Colab, Binder, a fresh Jupyter), and drops the build's internal fingerprint cell. The book
  build never runs the cell: it is added after execution, so it changes no chapter's cache key either.
* Sphinx 7.4 writes an inline script registered after the builder started twice; sphinx-thebe's
  ``const THEBE_JS_URL`` then raises a SyntaxError in every page. Each page keeps one copy of each script.
"""

from __future__ import annotations

import json
from pathlib import Path

from mlbook_build import deps
from mlbook_build.deps import MARKER as FINGERPRINT_MARKER  # the hidden cell mlbook_build.deps appends

INSTALL_MARKER = "# Outside the book build"


def install_cell_source(repository: str, branch: str, reads_data: bool) -> str:
    """A chapter notebook's first cell: install the helpers (and the data set, where the chapter reads it)."""
    lines = [f"{INSTALL_MARKER} (Colab, Binder, a fresh Jupyter) this installs the book's helpers.",
             "import importlib.util",
             "",
             'if importlib.util.find_spec("mlbook") is None:',
             f'    %pip install --quiet "mlbook[notebook] @ git+{repository}@{branch}"']
    if reads_data:
        lines += ["    importlib.invalidate_caches()",
                  "    from mlbook import data",
                  '    data.main(["--fetch"])  # Fashion-MNIST, about 30 MB']
    return "\n".join(lines)


def for_readers(nb: dict, repository: str, branch: str) -> dict:
    """The notebook with the install cell first and without the fingerprint cell; unchanged if already done."""
    cells = nb["cells"]
    if any(c["cell_type"] == "code" and "".join(c["source"]).startswith(INSTALL_MARKER) for c in cells):
        return nb
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    reads_data = deps.reads_data(code)
    first = {"cell_type": "code", "execution_count": None, "id": "install-mlbook", "metadata": {}, "outputs": [],
             "source": install_cell_source(repository, branch, reads_data).splitlines(keepends=True)}
    kept = [c for c in cells if not (c["cell_type"] == "code" and FINGERPRINT_MARKER in "".join(c["source"]))]
    return {**nb, "cells": [first, *kept]}


def with_cached_outputs(nb: dict, cache_path: Path) -> dict:
    """The notebook with the outputs its executed copy in the jupyter-cache holds (unchanged if none matches)."""
    import nbformat
    from jupyter_cache import get_cache

    if not cache_path.is_dir():
        return nb
    try:
        _, merged = get_cache(str(cache_path)).merge_match_into_notebook(nbformat.from_dict(nb))
    except KeyError:  # not executed with this code (execution off, or a failed run)
        return nb
    return json.loads(nbformat.writes(merged))


def _prepare_notebooks(app, env) -> None:
    options = app.config.html_theme_options
    repository = options.get("repository_url")
    folder = Path(app.outdir).parent / "jupyter_execute"
    if not repository or not folder.is_dir():
        return
    branch = options.get("repository_branch") or "main"
    # MyST-NB opens the cache at this path as given: relative to the working directory
    cache_path = Path(app.config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")
    for path in sorted(folder.rglob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        if not any(c["cell_type"] == "code" for c in nb["cells"]):
            continue
        new = for_readers(nb, repository, branch)
        if new is not nb:
            new = for_readers(with_cached_outputs(nb, cache_path), repository, branch)
            path.write_text(json.dumps(new, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _one_copy_of_each_script(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        key = (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique  # in place: it is the builder's list, restored after each page


def setup(app):
    """Sphinx entry point."""
    app.connect("env-updated", _prepare_notebooks)
    app.connect("html-page-context", _one_copy_of_each_script, priority=900)  # after the themes add theirs
    return {"parallel_read_safe": True, "parallel_write_safe": True}
