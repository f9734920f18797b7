#!/usr/bin/env bash
# The book's GPU run on a machine without network access (bench/gpu/README.md), from the repository root there,
# with .gpu/ (made by bench/gpu/bundle.sh) copied beside it:
#   OUT=/path/for/results bash bench/gpu/run.sh build|bench|recipes|compile|all
# build: the whole book with MLBOOK_PROFILE=full and warnings as errors; bench: bench/throughput.py, then
# bench/precision.py; recipes: bench/recipes.py; compile: bench/throughput.py --compile; all: the four in this
# order, each skipped when RUN_BUDGET is spent. Logs go to $OUT as they grow, so a step that fails or is killed
# still reports.
set -uo pipefail  # no -e: a failed step is recorded and the next one still runs
cd "$(dirname "$0")/../.."

PHASE=${1:-all}
export JOBS=${JOBS:-auto}  # chapters executed at once (python -m mlbook_build.execute; auto: one per core, at most 4)
: "${OUT:?OUT must name the folder whose files come back}"
RUN_BUDGET=${RUN_BUDGET:-540}  # seconds for all of run.sh, for a job with a time limit (a cluster queue's, say)
BUILD_TIMEOUT=${BUILD_TIMEOUT:-400}
THROUGHPUT_TIMEOUT=${THROUGHPUT_TIMEOUT:-150}
THROUGHPUT_ARGS=${THROUGHPUT_ARGS:-}  # every model, default steps
PRECISION_TIMEOUT=${PRECISION_TIMEOUT:-60}
PRECISION_ARGS=${PRECISION_ARGS:---model lenet}  # d2l's LeNet setting: 10 epochs on all 60,000 images
RECIPES_TIMEOUT=${RECIPES_TIMEOUT:-240}
RECIPES_ARGS=${RECIPES_ARGS:-}  # AlexNet, VGG, NiN, GoogLeNet with input standardisation and a cosine schedule
COMPILE_ARGS=${COMPILE_ARGS:---compile --models alexnet vgg}  # what compiling costs and gains; gets what is left
GPU_TMP=${GPU_TMP:-/tmp}  # where the bundle is unpacked

export PYTHONPATH=$GPU_TMP/site:$PWD/code:$PWD/tools MLBOOK_DATA=$GPU_TMP/fashion-mnist MPLCONFIGDIR=$GPU_TMP/mplconfig
export MLBOOK_PROFILE=${MLBOOK_PROFILE:-full} PYTHONUNBUFFERED=1
# The records of the training runs (mlbook.records) name the commit: git's where the tree has .git, else the
# one bundle.sh noted (or MLBOOK_COMMIT given with the command).
if [ -z "${MLBOOK_COMMIT:-}" ] && ! git rev-parse --git-dir >/dev/null 2>&1 && [ -f .gpu/commit ]; then
    export MLBOOK_COMMIT
    MLBOOK_COMMIT=$(cat .gpu/commit)
fi

# The book build, as `make book` runs it: the stale chapters execute first, JOBS at a time, into the cache;
# then Jupyter Book renders (and executes again only a chapter that failed, to report its error in the page).
build_book() {
    local start=$SECONDS rc
    python3 -m mlbook_build.execute --jobs "$JOBS"
    rc=$?
    echo "== chapters executed in $((SECONDS - start)) s (exit $rc)"
    start=$SECONDS
    python3 -c 'import sys; from jupyter_book.cli.main import main; sys.exit(main(prog_name="jupyter-book"))' \
        build . -W --keep-going || rc=$?
    echo "== rendered in $((SECONDS - start)) s"
    return "$rc"
}
export -f build_book

deadline=$((SECONDS + RUN_BUDGET))
summary=()

# The GPU machine may lack the xz program: Python's lzma unpacks, and packs where xz is missing.
untar() {  # untar ARCHIVE DIR
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter="data")' "$1" "$2"
}

unpack() {
    sha256sum --check --quiet .gpu/requirements.sha256 ||
        { echo "requirements.txt changed since .gpu/ was made: run bench/gpu/bundle.sh again"; return 1; }
    rm -rf "$GPU_TMP/site" "$GPU_TMP/fashion-mnist" "$MPLCONFIGDIR"  # a fresh font cache finds the new font
    mkdir -p "$GPU_TMP/site" "$GPU_TMP/fashion-mnist" "$MPLCONFIGDIR" "$HOME/.fonts"
    untar .gpu/site.tar.xz "$GPU_TMP/site" || return 1
    for f in .gpu/data/*.xz; do
        python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
            "$f" "$GPU_TMP/fashion-mnist/$(basename "$f" .xz)" || return 1
    done
    rm -rf _vendor && untar .gpu/vendor.tar.xz . || return 1
    cp .gpu/NotoSansCJKsc-subset.otf "$HOME/.fonts/"  # matplotlib looks in ~/.fonts
}

versions() {
    if command -v nvidia-smi >/dev/null; then nvidia-smi; else echo "no nvidia-smi"; fi
    python3 - <<'EOF'
import importlib.metadata as md
import platform
import sys

from matplotlib import font_manager

from mlbook import data, plot, runtime

print(f"python {platform.python_version()} ({sys.executable}), {runtime.describe()}")
print(", ".join(f"{name} {md.version(name)}" for name in (
    "torch", "torchvision", "numpy", "sympy", "matplotlib", "scipy", "scikit-learn", "pillow",
    "jupyter-book", "sphinx", "myst-nb", "ipykernel", "jupyter-cache")))
print(f"data {data.find_dir()}; font {plot.cjk_font()} from {font_manager.findfont(plot.cjk_font())}")
EOF
}

# step NAME CAP COMMAND...: run COMMAND under a timeout of CAP seconds or what RUN_BUDGET has left,
# output teed to $OUT/NAME.log, outcome added to the summary.
step() {
    local name=$1 cap=$2 left=$((deadline - SECONDS)) start=$SECONDS rc
    shift 2
    local limit=$((cap < left ? cap : left))
    if [ "$limit" -lt 10 ]; then
        summary+=("$name: skipped, $left s of RUN_BUDGET left")
        return 1
    fi
    echo "== $name: $* (timeout $limit s)"
    timeout -k 10 "$limit" "$@" 2>&1 | tee "$OUT/$name.log"
    rc=${PIPESTATUS[0]}
    summary+=("$name: exit $rc after $((SECONDS - start)) s$([ "$rc" = 124 ] && echo ", timed out at $limit s")")
    return "$rc"
}

pack() {  # pack NAME DIR...: the folders (those that exist) as $OUT/NAME.tar.xz, which comes back only under 16 MiB
    local name=$1 dirs=() d
    shift
    for d in "$@"; do [ -d "$d" ] && dirs+=("$d"); done
    [ "${#dirs[@]}" -gt 0 ] || return 0
    python3 -c 'import sys, tarfile
with tarfile.open(sys.argv[1], "w:xz") as t:
    for d in sys.argv[2:]: t.add(d, d.rstrip("/").split("/")[-1])' "$OUT/$name.tar.xz" "${dirs[@]}"
    local size
    size=$(stat -c %s "$OUT/$name.tar.xz")
    summary+=("$name.tar.xz: $((size / 1024)) KiB$([ "$size" -gt 16777216 ] && echo ', over 16 MiB: will not come back')")
}

phase_build() {
    step build "$BUILD_TIMEOUT" bash -c build_book
    local rc=$?
    { echo "${summary[-1]} (profile $MLBOOK_PROFILE)"; echo; python3 bench/gpu/exec_table.py; } >"$OUT/exec-seconds.md"
    # 8 files come back at most: one archive (the html, and the records of the training runs), one log per step
    pack build _build/html _build/records
    return "$rc"
}

phase_bench() {
    local rc=0
    step throughput "$THROUGHPUT_TIMEOUT" python3 bench/throughput.py $THROUGHPUT_ARGS || rc=1
    step precision "$PRECISION_TIMEOUT" python3 bench/precision.py $PRECISION_ARGS || rc=1
    return "$rc"
}

phase_recipes() {
    step recipes "$RECIPES_TIMEOUT" python3 bench/recipes.py $RECIPES_ARGS
}

phase_compile() {
    step compile "$RUN_BUDGET" python3 bench/throughput.py $COMPILE_ARGS
}

main() {
    local rc=0
    echo "== run.sh $PHASE, profile $MLBOOK_PROFILE, budget $RUN_BUDGET s, $(date -u '+%Y-%m-%d %H:%M UTC')"
    if ! unpack; then
        echo "run.sh: could not unpack .gpu/"
        return 1
    fi
    summary+=("unpack: $SECONDS s")
    versions || rc=1
    case "$PHASE" in
        build) phase_build || rc=1 ;;
        bench) phase_bench || rc=1 ;;
        recipes) phase_recipes || rc=1 ;;
        compile) phase_compile || rc=1 ;;
        all) for phase in build bench recipes compile; do "phase_$phase" || rc=1; done ;;
    esac
    echo "== summary: $SECONDS s in all"
    printf '%s\n' "${summary[@]}"
    [ -f "$OUT/exec-seconds.md" ] && cat "$OUT/exec-seconds.md"
    return "$rc"
}

case "$PHASE" in
    build | bench | recipes | compile | all) ;;
    *) echo "usage: $0 build|bench|recipes|compile|all" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
main 2>&1 | tee "$OUT/run.log"
exit "${PIPESTATUS[0]}"
