"""``mlbook`` holds what chapters import and nothing else: none of its modules needs the build layer
(``mlbook_build``) or the book-build packages, so a reader's ``pip install`` of it works without them."""

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "code" / "mlbook"
# Packages of the book build, not of a chapter: importing any of them fails in the check below.
BUILD_ONLY = ("mlbook_build", "jupyter_book", "jupyter_cache", "sphinx", "sphinx_external_toc", "nbclient",
              "nbformat", "ruff", "zmq", "jupytext")
CHECK = """
import importlib, sys
for name in {blocked!r}:
    sys.modules[name] = None  # `import name` now fails ("import of name halted")
for module in {modules!r}:
    importlib.import_module(module)
print("imported", len({modules!r}))
"""


def test_every_module_imports_without_the_build_packages():
    modules = sorted(f"mlbook.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert "mlbook.train" in modules and "mlbook.records" in modules
    result = subprocess.run([sys.executable, "-c", CHECK.format(blocked=BUILD_ONLY, modules=modules)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"imported {len(modules)}" in result.stdout


def test_the_check_would_notice_a_build_import(tmp_path):
    """The same check fails for a module that imports one of the build packages."""
    (tmp_path / "leaky.py").write_text("import jupyter_cache\n", encoding="utf-8")
    code = CHECK.format(blocked=BUILD_ONLY, modules=["leaky"])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            timeout=60, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert result.returncode != 0 and "import of jupyter_cache halted" in result.stderr
