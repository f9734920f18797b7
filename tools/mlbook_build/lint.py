"""Lint the chapters' code cells with ruff, reporting each finding at its line in the chapter's ``.md`` file.

Each chapter becomes a Python file of the same length under ``_build/lint/``: its code cells stand on the lines
where they stand in the chapter, everything else is blank. Ruff checks those files with the project's settings
(``pyproject.toml``, where ``*/_build/lint/*`` relaxes the rules that suit notebooks less), and the findings
come back naming the chapter.

    python -m mlbook_build.lint               # every chapter under book/
    python -m mlbook_build.lint book/cnn      # the chapters in a folder, or single files
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

from mlbook.sources import CODE_CELL, options_end

OUT = Path("_build") / "lint"
# What the page's code column shows without scrolling sideways (about 88 monospace characters at 1400 px, and
# what a printed page holds); the package's own code keeps the project's longer limit.
LINE_LENGTH = 88


def as_python(chapter: str) -> str:
    """The chapter's code cells at their own line numbers, all other lines blank (cell options too)."""
    lines = [""] * (chapter.count("\n") + 1)
    for cell in CODE_CELL.finditer(chapter):
        first = chapter.count("\n", 0, cell.start(1))
        body = cell.group(1).split("\n")
        start = options_end(body)
        for i in range(start, len(body)):
            lines[first + i] = body[i]
    return "\n".join(lines).rstrip("\n") + "\n"


def find_chapters(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist: name chapter files or folders under book/")
        found += sorted(path.rglob("*.md")) if path.is_dir() else [path]
    return [p for p in found if "```{code-cell}" in p.read_text(encoding="utf-8")]


def run(paths: list[Path], root: Path = Path(".")) -> tuple[int, str]:
    """Ruff's exit status and its findings, with each ``_build/lint/…py`` path turned back into the chapter's."""
    out = root / OUT
    shutil.rmtree(out, ignore_errors=True)
    written = []
    for chapter in find_chapters(paths):
        target = out / chapter.resolve().relative_to(root.resolve()).with_suffix(".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(as_python(chapter.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(target)
    if not written:
        return 0, "no chapter with code cells\n"
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"  # the venv's, else PATH's
    command = [ruff, "check", "--no-cache", "--output-format", "concise", "--line-length", str(LINE_LENGTH)]
    result = subprocess.run([*command, *map(str, written)],
                            cwd=root, capture_output=True, text=True)
    prefix = re.escape(str(OUT)) + r"/(\S+?)\.py:"
    report = re.sub(prefix, lambda m: f"{m.group(1)}.md:", result.stdout + result.stderr)
    return result.returncode, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("book")], help="chapters or folders (book/)")
    args = parser.parse_args(argv)
    try:
        status, report = run(args.paths)
    except FileNotFoundError as err:
        parser.error(str(err))
    print(report, end="")
    return status


if __name__ == "__main__":
    sys.exit(main())
