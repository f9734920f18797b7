"""Chapters as notebooks for readers: each page offers its .ipynb and launch buttons, and a notebook runs top to
bottom in a plain Jupyter kernel, outside the book build.

Run by `make test` after the build (marker ``book``); MLBOOK_HTML selects another build folder.
"""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from mlbook_build import execute

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("MLBOOK_HTML", ROOT / "_build" / "html"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY = CONFIG["repository"]["url"]
BRANCH = CONFIG["repository"]["branch"]
LIGHT_CHAPTER = "book/basics/linear-algebra"  # seconds to run: no training, one read of Fashion-MNIST

pytestmark = pytest.mark.book


def chapters_with_code() -> list[str]:
    files = [doc for part in execute.parts(ROOT) for doc in part]
    return [f for f in files if "```{code-cell}" in (ROOT / f"{f}.md").read_text(encoding="utf-8")]


def notebook(docname: str) -> dict:
    path = HTML / "_sources" / f"{docname}.ipynb"
    assert path.is_file(), f"{path} was not built: the site offers no notebook for {docname}"
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("docname", chapters_with_code())
def test_page_offers_its_notebook_and_launch_buttons(docname):
    html = (HTML / f"{docname}.html").read_text(encoding="utf-8")
    depth = docname.count("/")
    assert f'href="{"../" * depth}_sources/{docname}.ipynb"' in html, "no .ipynb download button"
    org_repo = REPOSITORY.removeprefix("https://github.com/")
    assert f"https://mybinder.org/v2/gh/{org_repo}/{BRANCH}?urlpath=lab/tree/{docname}." in html
    assert re.search(rf"https://colab\.research\.google\.com/github/{org_repo}/blob/{BRANCH}/{docname}\.(md|ipynb)",
                     html)
    nb = notebook(docname)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert outputs, "the downloadable notebook should carry the book's outputs"


@pytest.mark.parametrize("docname", chapters_with_code())
def test_first_cell_installs_the_helpers_where_they_are_missing(docname):
    cells = code_cells(notebook(docname))
    assert 'find_spec("mlbook") is None' in cells[0]
    assert f"git+{REPOSITORY}@{BRANCH}" in cells[0]
    assert not [c for c in cells if "dependency fingerprint" in c], "the build's internal cell is left in"


def test_light_chapter_notebook_runs_top_to_bottom_in_a_plain_kernel(tmp_path):
    """The downloaded notebook, alone in an empty folder, executed by nbclient with the python3 kernel."""
    import nbformat
    from nbclient import NotebookClient

    source = HTML / "_sources" / f"{LIGHT_CHAPTER}.ipynb"
    path = tmp_path / source.name
    shutil.copy(source, path)
    nb = nbformat.read(path, as_version=4)
    book_outputs = [c.get("outputs", []) for c in nb.cells if c.cell_type == "code"]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    ran = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in ran), "a cell did not run"
    assert not [o for c in ran for o in c.outputs if o.output_type == "error"]
    assert not [o for c in ran for o in c.outputs if o.get("name") == "stderr"], "the notebook wrote to stderr"

    def text(outputs):
        # printed text as one string: how a kernel splits it into stream messages depends on timing (a busy
        # machine sends "x" and "\n" of one print apart), and the page merges them (nb_merge_streams)
        printed = "".join(o.text for o in outputs if o.output_type == "stream")
        return printed, [o.data.get("text/plain") for o in outputs if o.output_type == "execute_result"]

    # Same code, same seeds: the text a reader sees equals the book's (figures differ only in SVG ids). The
    # hidden cells say when and where the page ran, which differs by design.
    compared = [(text(c.outputs), text(o)) for c, o in zip(ran, book_outputs, strict=True)
                if not {"remove-input", "remove-cell"} & set(c.metadata.get("tags", []))]
    assert len(compared) > 10
    assert [mine for mine, _ in compared] == [book for _, book in compared]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "the notebook wrote files"
