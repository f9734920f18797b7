"""Execute the book's stale chapters in parallel, into the cache that the book build reads.

Jupyter Book executes chapters one after another while Sphinx reads them. Most chapters leave cores idle
for much of their run (kernel start, imports, SymPy, plotting), so running a few at once finishes sooner. This
command finds the chapters whose executed notebook the cache lacks (built exactly as MyST-NB will build it,
with ``mlbook_build.deps``'s fingerprint cell), executes them in worker processes, chapters that train models first,
and stores each success in the cache. ``jupyter-book build`` then finds every chapter there and only renders.

    python -m mlbook_build.execute            # as many chapters at once as the machine has cores, at most 4
    python -m mlbook_build.execute --jobs 1   # one at a time
    python -m mlbook_build.execute book/cnn/lenet.md book/mlp/mlp.md   # only these chapters, if stale

Each kernel gets an equal share of the cores (``OMP_NUM_THREADS``) unless the variable is set already.
A chapter that fails is not cached: its error is printed, the others still run, and the exit status is 1.

Why not jupyter-cache's own parallel executor (``local-parallel``): it executes notebooks staged in a project,
read from their files, so it would run each chapter without the fingerprint cell the build adds and cache it under a
key the build never looks up; and it starts one kernel per core, each with every core's threads.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import fnmatch
import multiprocessing
import os
import re
import sys
import time
from pathlib import Path

from mlbook import records
from mlbook_build import deps

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks; the log is plain text
MAX_AUTO_JOBS = 4  # more kernels than this mostly compete for memory bandwidth


@dataclasses.dataclass(frozen=True)
class Settings:
    """The execution settings that ``jupyter-book build`` derives from ``_config.yml``."""

    mode: str
    cache: Path
    timeout: int
    allow_errors: bool
    in_temp: bool
    exclude: tuple[str, ...]
    extensions: tuple[str, ...]


def settings(root: Path) -> Settings:
    """Jupyter Book's own reading of the book's ``_config.yml``, defaults included. The cache path is relative
    to the working directory, as in ``jupyter-book build``."""
    from jupyter_book.config import get_final_config

    config, _ = get_final_config(user_yaml=root / "_config.yml", cli_config={"latex_individualpages": False},
                                 sourcedir=root)
    return Settings(mode=str(config.get("nb_execution_mode", "auto")),
                    cache=Path(config.get("nb_execution_cache_path") or root / "_build" / ".jupyter_cache").absolute(),
                    timeout=int(config.get("nb_execution_timeout", 30)),
                    allow_errors=bool(config.get("nb_execution_allow_errors", False)),
                    in_temp=bool(config.get("nb_execution_in_temp", False)),
                    exclude=tuple(config.get("nb_execution_excludepatterns") or ()),
                    extensions=tuple(config.get("myst_enable_extensions") or ()))


def parts(root: Path) -> list[list[str]]:
    """The pages of ``_toc.yml`` as docnames, part by part, in reading order; the root page is a part of its own."""
    site = toc(root)
    return [[site.root.docname]] + [[str(doc) for doc in part.items] for part in site[site.root.docname].subtrees]


def numbered(site) -> list[str]:
    """The book's chapters: the pages of the numbered parts of a parsed ``_toc.yml`` (a sphinx-external-toc
    ``SiteMap``, as ``env.external_site_map`` holds it during a build), in reading order.

    Listing a page under a numbered part is all it takes to make it a chapter: numbered, in the execution
    report, with the line that says where its outputs were computed (``_ext/execution.py``).
    """
    return [str(doc) for part in site[site.root.docname].subtrees if part.numbered for doc in part.items]


def toc(root: Path):
    """``_toc.yml`` as sphinx-external-toc parses it for the build: the one reading of the table of contents
    that the build layer and the tests share."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    return parse_toc_yaml(root / "_toc.yml")


def chapters(root: Path, exclude: tuple[str, ...] = ()) -> list[Path]:
    """The MyST notebooks that ``_toc.yml`` lists, in its order, less those ``exclude`` patterns match."""
    from myst_nb.core.read import is_myst_markdown_notebook

    found = []
    for docname in toc(root):
        path = root / f"{docname}.md"
        if any(fnmatch.fnmatch(str(path), pattern) for pattern in exclude):
            continue
        if path.is_file() and is_myst_markdown_notebook(path.read_text(encoding="utf-8")):
            found.append(path)
    return found


def notebook(path: Path, root: Path, extensions: tuple[str, ...]):
    """The notebook MyST-NB makes of a chapter during the build: its code cells and the fingerprint cell."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    text, _ = deps.with_fingerprint(path.read_text(encoding="utf-8"), root)
    return read_myst_markdown_notebook(text, config=MdParserConfig(enable_extensions=set(extensions)),
                                       add_source_map=True, path=str(path))


def _guess_seconds(nb) -> float:
    """A rough cost for a chapter never executed before: training CNNs, training anything, the rest."""
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    used = {p.stem for p in deps.modules_used(code)}
    return (100.0 if "models" in used else 30.0 if "train" in used else 10.0) + len(code) / 1e6


def stale(root: Path, config: Settings, only: list[Path] | None = None) -> list[tuple[Path, object]]:
    """The chapters (of ``only``, if given) the cache has no executed notebook for, the likely slowest first (the
    time of their last run where the cache remembers one, else a guess), so that short ones fill the gaps."""
    from jupyter_cache import get_cache

    cache = get_cache(str(config.cache))
    last_seconds = {}
    for record in sorted(cache.list_cache_records(), key=lambda r: r.created):
        if "execution_seconds" in (record.data or {}):
            last_seconds[record.uri] = record.data["execution_seconds"]
    todo = []
    for path in chapters(root, config.exclude):
        if only is not None and path not in only:
            continue
        nb = notebook(path, root, config.extensions)
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append((last_seconds.get(str(path), _guess_seconds(nb)), path, nb))
    return [(path, nb) for _, path, nb in sorted(todo, key=lambda item: -item[0])]


def _execute(path: str, nb, config: Settings):
    """Run one notebook (in a worker process); returns it executed, the seconds taken and any error."""
    import contextlib
    import tempfile

    from jupyter_cache.executors.utils import single_nb_execution

    # the chapter's own folder, or (run_in_temp) a temporary one, as MyST-NB chooses
    folder = tempfile.TemporaryDirectory() if config.in_temp else contextlib.nullcontext(str(Path(path).parent))
    with folder as cwd:
        result = single_nb_execution(nb, cwd=cwd, timeout=config.timeout, allow_errors=config.allow_errors,
                                     meta_override=True, config=_kernel_config())
    return result.nb, result.time, ANSI.sub("", result.exc_string) if result.err else None


def _kernel_config():
    """Encrypt the kernel's local sockets where pyzmq can: ipykernel 7 warns on every start otherwise."""
    import zmq
    from traitlets.config import Config

    return Config({"KernelManager": {"transport_encryption": "auto"}}) if zmq.has("curve") else Config()


def _share_cores(threads: int) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))  # kernels inherit it; torch reads it at import


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def jobs_for(requested: str, n_tasks: int) -> int:
    """``auto``: one job per core, at most MAX_AUTO_JOBS and no more than there are chapters to run."""
    if requested == "auto":
        return max(1, min(cores(), MAX_AUTO_JOBS, n_tasks))
    try:
        jobs = int(requested)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise ValueError(f"--jobs must be a positive number or auto, got {requested!r}")
    return jobs


def run(root: Path, jobs: str = "auto", log=print, only: list[Path] | None = None) -> int:
    """Execute and cache every stale chapter of the book at ``root`` (of ``only``, if given); returns the number
    that failed."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    root = root.resolve()
    config = settings(root)
    if config.mode != "cache":
        log(f"execute_notebooks is {config.mode!r}, not 'cache': nothing to do, the book build executes")
        return 0
    if only is not None:
        only = [p.resolve() for p in only]
        unknown = [str(p) for p in only if p not in chapters(root, config.exclude)]
        if unknown:
            raise ValueError(f"not chapters of _toc.yml: {', '.join(unknown)}")
    todo = stale(root, config, only)
    if not todo:
        log("every chapter is in the cache")
        return 0
    n_jobs = jobs_for(jobs, len(todo))
    threads = max(1, cores() // n_jobs)
    log(f"executing {len(todo)} chapters, {n_jobs} at a time, {os.environ.get('OMP_NUM_THREADS', threads)} "
        f"threads each")
    cache = get_cache(str(config.cache))
    failed = 0
    started = time.perf_counter()
    # spawn, not fork: the workers start no kernel with this process's open database or threads
    with concurrent.futures.ProcessPoolExecutor(n_jobs, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=_share_cores, initargs=(threads,)) as pool:
        futures = {pool.submit(_execute, str(path), nb, config): path for path, nb in todo}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            path = futures[future]
            name = path.relative_to(root)
            executed, seconds, error = future.result()
            if error:
                failed += 1
                log(f"[{done}/{len(todo)}] FAILED {name} after {seconds:.1f} s:\n{error}")
                continue
            cache.cache_notebook_bundle(CacheBundleIn(executed, str(path), data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            log(f"[{done}/{len(todo)}] {name}: {seconds:.1f} s")
    log(f"executed {len(todo) - failed} of {len(todo)} chapters in {time.perf_counter() - started:.1f} s")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default=os.environ.get("MLBOOK_JOBS", "auto"),
                        help="chapters at once (default: auto, or $MLBOOK_JOBS)")
    parser.add_argument("--root", type=Path, default=Path("."), help="the book's folder (default: .)")
    parser.add_argument("only", nargs="*", type=Path, metavar="CHAPTER",
                        help="execute only these chapters (.md files of _toc.yml), if stale")
    args = parser.parse_args(argv)
    if not (args.root / "_toc.yml").is_file():
        parser.error(f"no _toc.yml in {args.root.resolve()}: run from the book's folder or pass --root")
    try:
        failed = run(args.root, args.jobs, log=lambda msg: print(msg, flush=True), only=args.only or None)
    except records.RecordError as err:  # a broken record: one line, no traceback
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        parser.error(str(err))
    if failed:
        print(f"{failed} chapter(s) failed; fix them and run again (the others are cached)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
