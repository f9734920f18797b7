"""Seconds each chapter took to execute, read from the build's execution cache (jupyter-cache).

The same records feed the ``nb-exec-table`` of the appendix's execution report; this prints them without a
build, newest record per chapter in the order they ran, as a Markdown table:

    python bench/gpu/exec_table.py [_build/.jupyter_cache]

A chapter missing from the table did not finish executing (see the build log and ``_build/html/reports``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_cache import get_cache


def main(argv: list[str]) -> int:
    cache = Path(argv[0] if argv else "_build/.jupyter_cache")
    if not cache.is_dir():
        print(f"no execution cache at {cache}: no chapter finished executing")
        return 1
    newest = {}
    for record in get_cache(str(cache)).list_cache_records():
        if record.uri not in newest or record.created > newest[record.uri].created:
            newest[record.uri] = record
    root = Path.cwd()
    print("| chapter | seconds | cached at (UTC) |\n| --- | ---: | --- |")
    total = 0.0
    for record in sorted(newest.values(), key=lambda r: r.created):
        path = Path(record.uri)
        name = path.relative_to(root) if path.is_relative_to(root) else path
        seconds = record.data.get("execution_seconds", 0.0)
        total += seconds
        print(f"| {name} | {seconds:.1f} | {record.created:%Y-%m-%d %H:%M:%S} |")
    print(f"| all {len(newest)} | {total:.1f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
