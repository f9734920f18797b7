"""How long `make book` takes when nothing changed: the cache check, then Sphinx, each timed.

    python bench/rebuild.py                       # this checkout, 5 runs
    python bench/rebuild.py --runs 7 ROOT1 ROOT2  # two checkouts side by side, runs alternating between them

Each run is what `make book` does after setup: ``python -m mlbook_build.execute`` (build every chapter's notebook,
fingerprint it, look it up in the execution cache) and ``jupyter-book build . -W --keep-going``. Build each
checkout once first (`make book`), so that the runs measure a rebuild with nothing to execute; a run that
executes a chapter stops the bench. Prints every run and the medians. Each checkout uses its own `.venv`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed in {cwd}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return seconds, result.stdout + result.stderr


def one_run(root: Path) -> tuple[float, float]:
    venv = root / ".venv" / "bin"
    # a checkout from before the build layer had its own package runs the executor from mlbook
    executor = "mlbook_build.execute" if (root / "tools" / "mlbook_build").is_dir() else "mlbook.execute"
    check, log = timed([str(venv / "python"), "-m", executor], root)
    if "every chapter is in the cache" not in log:
        sys.exit(f"{root}: a chapter executed, so this is no rebuild with nothing changed; run `make book` first")
    sphinx, log = timed([str(venv / "jupyter-book"), "build", ".", "-W", "--keep-going"], root)
    if "Executing notebook" in log:
        sys.exit(f"{root}: Jupyter Book executed a chapter; run `make book` first")
    return check, sphinx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", type=Path, default=[Path(".")], help="checkouts (default: .)")
    parser.add_argument("--runs", type=int, default=5, help="runs per checkout (default 5)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    times: dict[Path, list[tuple[float, float]]] = {root: [] for root in args.roots}
    for i in range(args.runs):
        for root in args.roots:  # alternate, so that a change in the machine's load affects every checkout alike
            check, sphinx = one_run(root)
            times[root].append((check, sphinx))
            print(f"run {i + 1} {root}: cache check {check:.1f} s, Sphinx {sphinx:.1f} s, total {check + sphinx:.1f} s",
                  flush=True)
    print("\nmedians (seconds):\n| checkout | cache check | Sphinx | total |\n|---|---|---|---|")
    for root, runs in times.items():
        check, sphinx = (statistics.median(part) for part in zip(*runs, strict=True))
        total = statistics.median(c + s for c, s in runs)
        print(f"| {root} | {check:.1f} | {sphinx:.1f} | {total:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
