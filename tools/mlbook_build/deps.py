"""What a chapter's executed outputs depend on, so the build's cache knows when they are stale.

Jupyter Book's execution cache keys a chapter on its code cells alone. This Sphinx extension appends one
hidden cell to every chapter that holds a fingerprint of what else its outputs depend on: the ``mlbook``
modules it imports (directly or through other helpers), the pins of the packages that run in its kernel (not
the build, test and lint tools), the data files' contents where the chapter reads data, the records of
full-setting runs where it shows them (``mlbook.records``), and the profile and kind of device it runs with.
Change one of them and exactly the chapters that depend on it execute again.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from mlbook.sources import PACKAGE_DIR, code_cells, modules_used, package_dir

REPO_DIR = Path(__file__).resolve().parents[2]  # the book: tools/mlbook_build/ lies in it
MARKER = "# mlbook dependency fingerprint"
# What a chapter reads the data set with; the notebook's install cell fetches the data for the same chapters.
READS_DATA = re.compile(r"\bfashion_mnist\(")
# Pins of requirements.txt that a chapter's outputs depend on: its first section (the packages chapters import)
# and these two, which run the code and carry its outputs in the kernel. The book-build, test and lint tools
# further down change no output, so bumping one of them re-executes nothing.
KERNEL_PINS = ("ipykernel", "myst-nb")


def reads_data(code: str) -> bool:
    """Whether a chapter's code reads Fashion-MNIST (and so depends on the data files)."""
    return READS_DATA.search(code) is not None


def runtime_pins(requirements: Path) -> bytes:
    """The pins of ``requirements`` that chapters' outputs depend on (``KERNEL_PINS`` and the first section)."""
    pins, section, seen = [], 0, False
    for raw in requirements.read_text(encoding="utf-8").splitlines():
        if raw.startswith("#"):  # a comment line after pins opens the next section
            section, seen = section + seen, False
            continue
        pin = raw.split("#", 1)[0].strip()
        if not pin:
            continue
        seen = True
        if section == 0 or re.split(r"[=<>!~\[; ]", pin, maxsplit=1)[0].lower() in KERNEL_PINS:
            pins.append(pin)
    return "\n".join(pins).encode()


def dependencies(chapter_source: str, package_dir: Path = PACKAGE_DIR,
                 requirements: Path = REPO_DIR / "requirements.txt",
                 records_dir: Path = REPO_DIR / "book" / "records") -> list[Path]:
    """The files beyond its own text that a chapter's outputs depend on.

    A chapter that uses ``mlbook.records`` depends on every record in ``records_dir``, each checked here, so a
    broken record stops the build before any chapter runs (``records.RecordError``, one line).
    """
    code = "\n".join(code_cells(chapter_source))
    files = modules_used(code, package_dir)
    if requirements.is_file():
        files.append(requirements)
    if reads_data(code):
        files += _data_files()
    if any(p.name == "records.py" for p in files):
        from mlbook import records

        found = records.files(records_dir)
        for path in found:
            records.load(path)
        files += found
    return files


def fingerprint(chapter_source: str, package_dir: Path = PACKAGE_DIR,
                requirements: Path = REPO_DIR / "requirements.txt",
                records_dir: Path = REPO_DIR / "book" / "records") -> str:
    """A short hash of everything beyond its own code that a chapter's outputs depend on."""
    return _hash(dependencies(chapter_source, package_dir, requirements, records_dir))


def _hash(files: list[Path]) -> str:
    """Every file by its name and contents, never its folder: a checkout moved elsewhere keeps its cache."""
    digest = hashlib.sha256()
    for path in files:
        if path.name == "requirements.txt":
            content = hashlib.sha256(runtime_pins(path)).digest()
        else:
            stat = path.stat()
            content = _content_digest(path, stat.st_size, stat.st_mtime_ns)
        digest.update(path.name.encode() + b"\0" + content)
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1024)
def _content_digest(path: Path, size: int, mtime_ns: int) -> bytes:
    """The file's SHA-256, read once per process for as long as its size and time stay the same.

    Every chapter that reads data hashes the same data files (30 MB packed, 55 MB unpacked): one read serves
    them all.
    """
    del size, mtime_ns  # part of the cache key only
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
    return sha.digest()


def _data_files() -> list[Path]:
    """The data set's files where the chapters will find them (none if it is missing)."""
    from mlbook import data

    try:
        folder = data.find_dir()
    except data.DataError:
        return []
    return sorted(p for p in folder.iterdir() if p.is_file())


def environment() -> str:
    """Where chapters execute now, as ``mlbook.runtime`` decides: the profile and the kind of device.

    Part of every fingerprint, so outputs of a quick CPU run are never served to a full or a GPU build (and
    switching back finds the earlier outputs still in the cache).
    """
    from mlbook import runtime

    return f"profile {runtime.profile()}, {runtime.device().type}"


def with_fingerprint(text: str, root: Path = REPO_DIR) -> tuple[str, list[Path]]:
    """A chapter's source with the fingerprint cell appended, and the files it depends on.

    ``root`` is the book's root, where its helpers (``code/mlbook``) and pins (``requirements.txt``) are read.
    Text with no code cell, or already fingerprinted, comes back unchanged with no files.
    """
    if "```{code-cell}" not in text or MARKER in text:
        return text, []
    files = dependencies(text, package_dir(root), root / "requirements.txt", root / "book" / "records")
    cell = f"\n\n```{{code-cell}} ipython3\n:tags: [remove-cell]\n{MARKER}: {_hash(files)}; {environment()}\n```\n"
    return text.rstrip("\n") + cell, files


def _add_fingerprint(app, docname: str, source: list[str]) -> None:
    from sphinx.errors import SphinxError

    from mlbook import records

    try:
        source[0], files = with_fingerprint(source[0], Path(app.srcdir))
    except records.RecordError as err:  # Sphinx prints a SphinxError's message alone, without a traceback
        raise SphinxError(str(err)) from None
    # Sphinx reads a page again only when the page or a noted dependency changes: note them all,
    # so a changed helper brings the page back here and its new fingerprint misses the cache.
    for path in files:
        app.env.note_dependency(str(path))


def _reread_when_the_environment_changes(app, env, added, changed, removed) -> list[str]:
    # Sphinx reads a page again only when a file changed; another profile or device changes no file but every
    # page's fingerprint, so all pages are read again (and their chapters found in the cache or executed).
    now, before = environment(), getattr(env, "mlbook_environment", None)
    env.mlbook_environment = now
    return sorted(env.found_docs - added) if before not in (None, now) else []


def setup(app):
    """Sphinx entry point (listed in ``_config.yml``)."""
    app.connect("source-read", _add_fingerprint)
    app.connect("env-get-outdated", _reread_when_the_environment_changes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
