"""Records of full-setting training runs: what a run achieved, where and from which code (from LeNet on).

A chapter that trains in the ``full`` profile writes one small JSON file per run into the build,
``_build/records/<chapter>/<run>.json``; ``make records`` copies them into the repository's
``book/records/``, and nothing else writes there. A page built in the ``quick`` profile, whose run was
reduced, shows the recorded full run beside its own (``mlbook.runs``), and says when the code has changed
since the record was made.

    python -m mlbook.records publish    # _build/records -> book/records, and the README's table (`make records`)
    python -m mlbook.records table      # the recorded runs as a Markdown table (the README's table)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHEMA = 1
BUILD_DIR = Path("_build") / "records"  # where a full build writes, relative to the book's root
BOOK_DIR = Path("book") / "records"     # what the repository keeps, and what pages read
KEY = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")  # <chapter>/<run>, as in file names
SERIES = ("train_loss", "train_acc", "test_acc", "examples_per_sec", "seconds")
FIELDS = {  # every field of schema 1 and its type
    "schema": int, "key": str, "chapter": str, "device": str, "device_name": str, "torch": str,
    "precision": str, "profile": str, "batch_size": int, "lr": (int, float, type(None)), "epochs": int,
    "n_train": int, "n_test": int, "date": str, "commit": str, "fingerprint": dict, "history": dict,
}


class RecordError(ValueError):
    """A record that cannot be used; the message names the file and what is wrong, in one line."""


def book_root(start: Path | None = None) -> Path | None:
    """The book's folder (the nearest one holding ``_toc.yml``) above ``start``, the working directory by default.

    Chapters execute in their own folder, so this finds the book from inside a chapter; ``None`` outside a book
    (a notebook opened in Colab, say).
    """
    here = (start or Path.cwd()).resolve()
    return next((p for p in (here, *here.parents) if (p / "_toc.yml").is_file()), None)


def check_key(key: str) -> tuple[str, str]:
    """``"lenet/d2l"`` -> ``("lenet", "d2l")``; the chapter part is the chapter's file name without ``.md``."""
    if not isinstance(key, str) or not KEY.match(key):
        raise ValueError(f"a record key is '<chapter>/<run>' in lower case, e.g. 'lenet/d2l'; got {key!r}")
    chapter, run = key.split("/")
    return chapter, run


def chapter_file(key: str, root: Path) -> Path:
    """The chapter a record belongs to: ``<chapter>.md`` in the working directory or anywhere under ``book/``."""
    chapter, _ = check_key(key)
    candidates = [Path.cwd() / f"{chapter}.md", *sorted((root / "book").rglob(f"{chapter}.md"))]
    found = next((p.resolve() for p in candidates if p.is_file()), None)
    if found is None:
        raise FileNotFoundError(f"record {key!r} names chapter {chapter!r}, but there is no {chapter}.md in "
                                f"{Path.cwd()} or under {root / 'book'}; the key starts with the chapter's file name")
    return found


# Modules a chapter uses that only keep and show records, never change a run's numbers: editing them leaves
# every record current.
BOOKKEEPING = ("records.py", "sources.py")


def fingerprint(chapter: Path, root: Path) -> dict[str, str]:
    """What determined a run: a short hash of the chapter's code cells and of each ``mlbook`` module they use.

    Paths are relative to ``root``; the modules are those ``mlbook.sources`` finds for the chapter (the book's
    own ``code/mlbook`` where it has one), less the ``BOOKKEEPING`` ones.
    """
    from mlbook import sources

    code = "\n".join(sources.code_cells(chapter.read_text(encoding="utf-8")))
    package_dir = sources.package_dir(root)
    files = {_relative(chapter, root): _digest(code.encode())}
    for p in sources.modules_used(code, package_dir):
        if p.name in BOOKKEEPING:
            continue
        name = _relative(p, root) if p.is_relative_to(root.resolve()) else f"mlbook/{p.relative_to(package_dir)}"
        files[name] = _digest(p.read_bytes())
    return dict(sorted(files.items()))


def changed_files(record: dict, root: Path) -> list[str]:
    """The files whose code differs from what the record's run used (new, changed or gone), sorted."""
    before = record["fingerprint"]
    try:
        now = fingerprint(root / record["chapter"], root)
    except FileNotFoundError:
        return [record["chapter"]]
    return sorted(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))


def make(key: str, history, *, chapter: Path, root: Path, batch_size: int, lr: float | None, n_train: int,
         n_test: int, precision: str) -> dict:
    """A record of a finished ``fit`` run (``history``, an ``mlbook.train.History``) with its provenance."""
    import torch

    from mlbook import runtime

    check_key(key)
    info = runtime.describe()
    record = {
        "schema": SCHEMA, "key": key, "chapter": _relative(chapter, root),
        "device": history.device, "device_name": info["device_name"], "torch": torch.__version__,
        "precision": precision, "profile": runtime.profile(), "batch_size": batch_size, "lr": lr,
        "epochs": len(history.train_loss), "n_train": n_train, "n_test": n_test,
        "date": time.strftime("%Y-%m-%d", time.gmtime()), "commit": "",
        "fingerprint": fingerprint(chapter, root),
        "history": {name: [round(float(v), 1 if name == "examples_per_sec" else 4) for v in getattr(history, name)]
                    for name in SERIES},
    }
    # -dirty only where a file that determined the run differs from the commit (not any edit in the tree)
    record["commit"] = commit(root, [f for f in record["fingerprint"] if (root / f).is_file()])
    validate(record, key)
    return record


def commit(root: Path, files: list[str] = ()) -> str:
    """The commit the book was built from: ``$MLBOOK_COMMIT`` (a copy without ``.git``), else git's short hash,
    with ``-dirty`` when one of ``files`` (relative to ``root``) differs from it; ``unknown`` without either."""
    if os.environ.get("MLBOOK_COMMIT"):
        return os.environ["MLBOOK_COMMIT"]
    try:
        head = subprocess.run(["git", "rev-parse", "--short=7", "HEAD"], cwd=root, capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", *files], cwd=root, capture_output=True,
                                 text=True, timeout=30, check=True).stdout.strip() if files else ""
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head + "-dirty" if changed else head) or "unknown"


def validate(record: object, where: str) -> dict:
    """``record`` if it is a well-formed record of this schema, else ``RecordError`` naming ``where``."""
    if not isinstance(record, dict):
        raise RecordError(f"{where}: not a JSON object")
    if record.get("schema") != SCHEMA:
        raise RecordError(f"{where}: unknown schema version {record.get('schema')!r} (this mlbook reads {SCHEMA})")
    for name, kind in FIELDS.items():
        if name not in record:
            raise RecordError(f"{where}: missing field {name!r}")
        if not isinstance(record[name], kind) or isinstance(record[name], bool):
            raise RecordError(f"{where}: field {name!r} has the wrong type ({type(record[name]).__name__})")
    try:
        check_key(record["key"])
    except ValueError as err:
        raise RecordError(f"{where}: {err}") from None
    history = record["history"]
    for name in SERIES:
        values = history.get(name)
        if not isinstance(values, list) or len(values) != record["epochs"]:
            raise RecordError(f"{where}: history {name!r} must list one number per epoch ({record['epochs']})")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            raise RecordError(f"{where}: history {name!r} holds a value that is not a finite number")
    if not all(isinstance(v, str) for v in record["fingerprint"].values()):
        raise RecordError(f"{where}: field 'fingerprint' must map file names to hashes")
    return record


def load(path: Path) -> dict:
    """Read and check one record; ``RecordError`` (one line: the file and what is wrong) if it is unusable."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise RecordError(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from None
    except OSError as err:
        raise RecordError(f"{path}: cannot be read ({err.strerror})") from None
    validate(record, str(path))
    expected = f"{path.parent.name}/{path.stem}"
    if record["key"] != expected:
        raise RecordError(f"{path}: its key {record['key']!r} does not match its place (expected {expected!r})")
    return record


def files(folder: Path) -> list[Path]:
    """The record files under ``folder`` (``<chapter>/<run>.json``), sorted."""
    return sorted(folder.glob("*/*.json")) if folder.is_dir() else []


def load_all(folder: Path) -> list[dict]:
    """Every record under ``folder``, checked."""
    return [load(p) for p in files(folder)]


def find(key: str, root: Path) -> dict | None:
    """The repository's record for ``key`` (``book/records/<chapter>/<run>.json``), or ``None``."""
    path = root / BOOK_DIR / f"{key}.json"
    return load(path) if path.is_file() else None


def dumps(record: dict) -> str:
    """The record as stable, diff-friendly JSON: one field a line, each per-epoch series on one line."""
    lines = []
    for name, value in record.items():
        if isinstance(value, dict):
            inner = [f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()]
            lines.append(f"  {json.dumps(name)}: {{\n" + ",\n".join(inner) + "\n  }")
        else:
            lines.append(f"  {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False) as f:
        f.write(text)
    os.replace(f.name, path)


def write(record: dict, root: Path) -> Path:
    """Save a record into the build (``_build/records/<chapter>/<run>.json``); the file is whole or absent."""
    validate(record, record.get("key", "record"))
    path = root / BUILD_DIR / f"{record['key']}.json"
    _write_atomic(path, dumps(record))
    return path


def publish(root: Path, log=print) -> list[Path]:
    """Copy the build's records into ``book/records``, replacing those of the same runs.

    Every record is checked before any is copied, and the copies are made in a temporary folder beside
    ``book/records`` and renamed into place, so a bad record or a failure part-way leaves ``book/records`` as it was.
    """
    source, target = root / BUILD_DIR, root / BOOK_DIR
    found = files(source)
    if not found:
        raise RecordError(f"{source}: no records; a full-profile build writes them (MLBOOK_PROFILE=full make book)")
    for path in found:
        load(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".records-", dir=target.parent))
    old = None
    try:
        if target.is_dir():
            shutil.copytree(target, staging, dirs_exist_ok=True)
        for path in found:
            (staging / path.parent.name).mkdir(exist_ok=True)
            shutil.copyfile(path, staging / path.parent.name / path.name)
        if target.is_dir():
            old = target.rename(target.with_name(target.name + ".old"))
        staging.rename(target)
    except BaseException:
        if old is not None and not target.exists():
            old.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old)
    for path in found:
        log(f"{path.relative_to(root)} -> {(target / path.parent.name / path.name).relative_to(root)}")
    return [target / p.parent.name / p.name for p in found]


def history(record: dict):
    """The record's run as the ``mlbook.train.History`` that ``fit`` returned."""
    from mlbook.train import History

    return History(device=record["device"], **{name: record["history"][name] for name in SERIES})


def summary_rows(records: list[dict], root: Path) -> list[list]:
    """One row a record: run, device, date, commit, training images, epochs, final test accuracy, training
    seconds, examples/s (all as text), and the files changed since the run (a list, empty when current)."""
    rows = []
    for r in records:
        h = r["history"]
        rows.append([r["key"], r["device_name"], r["date"], r["commit"], f"{r['n_train']:,}", str(r["epochs"]),
                     f"{h['test_acc'][-1]:.3f}", f"{sum(h['seconds']):.1f}", f"{history(r).median_speed:,.0f}",
                     changed_files(r, root)])
    return rows


TABLE_HEADER = ["run", "device", "date", "commit", "training images", "epochs", "test acc", "training s",
                "examples/s"]


def markdown_table(root: Path) -> str:
    """The repository's records as a Markdown table (the README's table of what to expect). Whether the code
    changed since a run is left to the pages and the execution report, which are built with the code."""
    rows = [row[:-1] for row in summary_rows(load_all(root / BOOK_DIR), root)]
    lines = ["| " + " | ".join(TABLE_HEADER) + " |", "|" + "---|" * len(TABLE_HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


README_START = "<!-- records table: python -m mlbook.records table -->\n"
README_END = "<!-- end of records table -->"


def update_readme(root: Path) -> bool:
    """Put ``markdown_table`` between the README's markers; returns whether the README changed."""
    path = root / "README.md"
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        raise RecordError(f"{path}: no records table markers ({README_START.strip()} ... {README_END})")
    head, rest = text.split(README_START, 1)
    new = head + README_START + markdown_table(root) + README_END + rest.split(README_END, 1)[1]
    if new != text:
        _write_atomic(path, new)
    return new != text


def _relative(path: Path, root: Path) -> str:
    return Path(path).resolve().relative_to(root.resolve()).as_posix()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("publish", "table"))
    parser.add_argument("--root", type=Path, default=Path("."), help="the book's folder (default: .)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not (root / "_toc.yml").is_file():
        parser.error(f"no _toc.yml in {root}: run from the book's folder or pass --root")
    try:
        if args.command == "publish":
            publish(root)
            if update_readme(root):
                print("README.md: records table updated")
        else:
            print(markdown_table(root), end="")
    except RecordError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
