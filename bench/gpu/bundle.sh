#!/usr/bin/env bash
# Makes .gpu/: what bench/gpu/run.sh needs on the GPU machine beyond the git tree, which has no network and
# none of the book build's packages (bench/gpu/README.md). Runs here, after `make setup`:
#   site.tar.xz     the book build's pinned packages and their dependencies, for CPython 3.12 on x86-64 Linux
#   data/*.xz       the four Fashion-MNIST IDX files, plain once unpacked
#   vendor.tar.xz   _vendor/ (MathJax), which `make setup` downloads
#   NotoSansCJKsc-subset.otf   "Noto Sans CJK SC" cut down to the characters the book can draw
#   requirements.sha256        the pins the packages were resolved from (run.sh refuses a stale bundle)
#   commit          the commit the tree was at (git describe), for the records when the copy there has no .git
# Everything is made in .gpu.new/ and renamed to .gpu/ at the end, so a failed run leaves the old bundle.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PY:-.venv/bin/python}  # the book's virtual environment: fontTools, and mlbook.data to find the data
FONT_SOURCE=${FONT_SOURCE:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}  # Debian's fonts-noto-cjk
FONT_FAMILY="Noto Sans CJK SC"  # the name mlbook.plot.cjk_font looks up: the subset keeps it
# Wheel tags the device's CPython 3.12.3 accepts (device README); pip matches each manylinux tag exactly.
PLATFORMS=(manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64
           manylinux_2_5_x86_64 manylinux1_x86_64)
# The device has its own builds of these (torch's with CUDA); a copy in the bundle would shadow them.
DEVICE_OWN="torch torchvision numpy sympy matplotlib scipy scikit_learn pillow"
MAX_MIB=${MAX_MIB:-}  # where what can be copied to the GPU machine is limited: the most MiB, git tree included

# pip evaluates markers such as `python_version >= "3.12"` with the interpreter it runs in, whatever
# --python-version says: the dependencies are resolved by a real Python 3.12.
python312() {
    local p
    for p in "${PYTHON312:-}" python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python3.12; do
        if [ -n "$p" ] && "$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    echo "bundle.sh: no Python 3.12 found; set PYTHON312 to one" >&2
    return 1
}

P312=$(python312)
test -x "$PY" || { echo "bundle.sh: $PY is missing; run make setup first" >&2; exit 1; }
NEW=.gpu.new
WORK=$(mktemp -d)
trap 'rm -rf "$NEW" "$WORK"' EXIT
rm -rf "$NEW"
mkdir -p "$NEW/data" "$WORK/wheels"

echo "== packages of the book build, for CPython 3.12 (resolved by $P312)"
# The requirements.txt section "the book build", less jupytext (the build never converts a chapter).
awk '/^# the book build/ {on = 1; next} /^# / {on = 0} on' requirements.txt | sed 's/ *#.*//' \
    | grep -v '^jupytext==' >"$WORK/requirements.txt"
grep -q '^jupyter-book==' "$WORK/requirements.txt" || { echo "bundle.sh: no book-build pins found" >&2; exit 1; }
# jieba ships only an sdist (pure Python): build its wheel here, as --only-binary=:all: needs wheels.
"$P312" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/wheels" "$(grep '^jieba==' "$WORK/requirements.txt")"
"$P312" -m pip install --quiet --root-user-action=ignore --no-compile --target "$WORK/site" \
    --python-version 3.12 --implementation cp --only-binary=:all: "${PLATFORMS[@]/#/--platform=}" \
    --find-links "$WORK/wheels" -r "$WORK/requirements.txt"
for name in $DEVICE_OWN; do
    if compgen -G "$WORK/site/${name}-*.dist-info" >/dev/null; then
        echo "bundle.sh: the book build now pulls in $name, which the device has: leave it out here" >&2
        exit 1
    fi
done
(
    cd "$WORK/site"
    # Console scripts name this machine's interpreter, and share/ holds a kernel spec and man pages: the
    # device runs `python3 -c`/`-m` and jupyter_client finds ipykernel's built-in spec.
    rm -rf bin share
    # Optional for the kernel: IPython imports jedi only to complete code, ipykernel debugpy only to debug;
    # the book build runs without them (checked by running bench/gpu/run.sh build).
    rm -rf jedi jedi-*.dist-info parso parso-*.dist-info debugpy debugpy-*.dist-info
    # jieba's search splitting needs its dictionary and HMM (finalseg); not tagging, keywords or paddle.
    rm -rf jieba/posseg jieba/analyse jieba/lac_small
    # Sphinx formats dates for zh_CN; English is the fallback. Translations are read from .mo, not .po.
    find babel/locale-data -name '*.dat' ! -name root.dat ! -name en.dat ! -name 'en_US*.dat' \
        ! -name en_001.dat ! -name 'zh*.dat' -delete
    find . -name '*.po' -delete
    find . -depth -type d \( -name __pycache__ -o -name tests \) -exec rm -rf {} +
)
tar -C "$WORK/site" -cf - . | xz -T1 >"$NEW/site.tar.xz"

echo "== Fashion-MNIST"
PYTHONPATH=code "$PY" -c '
from mlbook import data
folder = data.find_dir()
for img, lab, _ in data.FILES.values():
    for stem in (img, lab):
        print(data.find_file(stem, folder))' >"$WORK/data-files"
while read -r path; do
    name=$(basename "$path" .gz)
    case "$path" in
        *.gz) gzip -dc "$path" | xz -T1 >"$NEW/data/$name.xz" ;;
        *) xz -T1 -c "$path" >"$NEW/data/$name.xz" ;;
    esac
done <"$WORK/data-files"
test "$(find "$NEW/data" -name '*.xz' | wc -l)" = 4

echo "== MathJax, which the site serves itself (_config.yml: html_static_path)"
if ! compgen -G "_vendor/mathjax/.version-*" >/dev/null; then
    echo "bundle.sh: no _vendor/mathjax; run make setup" >&2
    exit 1
fi
tar -cf - _vendor | xz -T1 >"$NEW/vendor.tar.xz"

echo "== CJK font subset"
"$PY" - "$FONT_SOURCE" "$FONT_FAMILY" "$NEW/NotoSansCJKsc-subset.otf" <<'EOF'
import glob
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection
from matplotlib.ft2font import FT2Font

source, family, out = sys.argv[1:]
texts = [Path(p).read_text(encoding="utf-8")
         for pattern in ("book/**/*.md", "code/**/*.py", "_config.yml") for p in glob.glob(pattern, recursive=True)]
chars = {c for text in texts for c in text if ord(c) > 127}
chars |= {chr(c) for c in range(0x20, 0x7F)}  # Latin text in a figure is drawn with this font too
chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF01, 0xFF5F)}  # CJK punctuation
level1 = set()  # GB2312 level 1, the 3,755 common hanzi, so labels built at run time are covered too
for row in range(0xB0, 0xD8):
    for cell in range(0xA1, 0xFF):
        try:
            level1.add(bytes([row, cell]).decode("gb2312"))
        except UnicodeDecodeError:  # the end of the last row is empty
            pass
assert len(level1) == 3755, len(level1)
faces = TTCollection(source, lazy=True).fonts
number = next(i for i, face in enumerate(faces) if face["name"].getDebugName(1) == family)
options = subset.Options(font_number=number, name_IDs=["*"], name_languages=["*"])
font = subset.load_font(source, options)
subsetter = subset.Subsetter(options)
subsetter.populate(unicodes=sorted(ord(c) for c in chars | level1))
subsetter.subset(font)
subset.save_font(font, out, options)
assert FT2Font(out).family_name == family, FT2Font(out).family_name
print(f"{len(font.getGlyphOrder())} glyphs for {len(chars | level1)} characters from face {number} of {source}")
EOF

sha256sum requirements.txt >"$NEW/requirements.sha256"
git describe --always --dirty --abbrev=7 >"$NEW/commit"
rm -rf .gpu
mv "$NEW" .gpu

echo "== sizes (MiB)"
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
site=$(stat -c %s .gpu/site.tar.xz)
data=$(cat .gpu/data/*.xz | wc -c)
vendor=$(stat -c %s .gpu/vendor.tar.xz)
font=$(stat -c %s .gpu/NotoSansCJKsc-subset.otf)
tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s 2>/dev/null \
    | awk '{ s += $1 } END { print s }')
total=$((site + data + vendor + font + tree))
echo "packages $(mib "$site"), data $(mib "$data"), MathJax $(mib "$vendor"), font $(mib "$font")," \
    "git tree $(mib "$tree"): total $(mib "$total")"
if [ -n "$MAX_MIB" ] && [ "$total" -gt $((MAX_MIB * 1048576)) ]; then
    echo "bundle.sh: over MAX_MIB=$MAX_MIB MiB with the git tree" >&2
    exit 1
fi
