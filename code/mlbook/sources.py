"""Which of the package's modules a chapter's code uses, following the imports between them.

What a record of a training run fingerprints (``mlbook.records``) and what the build's cache key covers: the
chapter's code cells and every ``mlbook`` module they reach.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# A code cell of a MyST notebook, its body (options included) in group 1.
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
OPTION_LINE = re.compile(r"^:[\w-]+:")  # `:tags: [remove-input]`
# An import statement at the start of a line or after a semicolon, a parenthesised list of names included.
IMPORT_STATEMENT = re.compile(
    r"(?:^|;)[ \t]*(from[ \t]+[\w.]+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n;]*)|import[ \t][^\n;]*)", re.MULTILINE)


def options_end(lines: list[str]) -> int:
    """How many of a code cell's first lines are its options, as MyST reads them: a YAML block between two
    ``---`` lines, or ``:key: value`` lines."""
    if lines and lines[0].strip() == "---":
        return next((i + 1 for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
    end = 0
    while end < len(lines) and OPTION_LINE.match(lines[end]):
        end += 1
    return end


def code_cells(text: str) -> list[str]:
    """The code of each code cell of a MyST notebook, without the cell's options (a figure's alt text is no
    code: editing it changes no fingerprint)."""
    cells = []
    for body in CODE_CELL.findall(text):
        lines = body.splitlines(keepends=True)
        cells.append("".join(lines[options_end(lines):]))
    return cells


def _imports(tree: ast.AST, package: str) -> set[str]:
    """``mlbook`` modules named by the imports in ``tree`` (``import mlbook.x``, ``from mlbook import x``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == package}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == package:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _module_file(name: str, package_dir: Path) -> Path | None:
    parts = name.split(".")[1:]
    if not parts:
        return package_dir / "__init__.py"
    path = package_dir.joinpath(*parts)
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None  # a name imported from a module (a function), not a module itself


def _imports_in(code: str, package: str) -> set[str]:
    """``_imports`` of ``code``, parsing only its import statements that name ``package``: a chapter's whole
    syntax tree is some ten times slower to walk, and the build asks for every chapter each time."""
    found = set()
    for statement in IMPORT_STATEMENT.findall(code):
        if package not in statement:
            continue
        try:
            found |= _imports(ast.parse(statement.strip()), package)
        except SyntaxError:  # a statement the pattern cut short (a backslash continuation): read all of it
            return _imports_of_all(code, package)
    return found


def _imports_of_all(code: str, package: str) -> set[str]:
    try:
        return _imports(ast.parse(code), package)
    except SyntaxError:  # IPython magics: line by line
        found = set()
        for line in code.splitlines():
            try:
                found |= _imports(ast.parse(line.strip()), package)
            except SyntaxError:
                continue
        return found


def modules_used(code: str, package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The package's module files that ``code`` needs, following imports between the modules."""
    package = package_dir.name
    todo = _imports_in(code, package)
    seen: dict[Path, None] = {}
    while todo:
        path = _module_file(todo.pop(), package_dir)
        if path is None or path in seen:
            continue
        seen[path] = None
        stat = path.stat()
        todo |= _module_imports(path, package, stat.st_mtime_ns, stat.st_size)
    return sorted(seen)


@functools.lru_cache(maxsize=256)
def _module_imports(path: Path, package: str, mtime_ns: int, size: int) -> frozenset[str]:
    """A module's own imports of the package, parsed once per process while the file stays the same (the book's
    build asks for every chapter, and the chapters share their modules)."""
    del mtime_ns, size  # part of the cache key only
    return frozenset(_imports_in(path.read_text(encoding="utf-8"), package))


def package_dir(root: Path) -> Path:
    """The helpers a book at ``root`` uses: its own ``code/mlbook``, else the installed package."""
    own = root / "code" / "mlbook"
    return own if own.is_dir() else PACKAGE_DIR
