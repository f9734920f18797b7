# Two entry points for a fresh machine: `make book` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
STAMP  := $(VENV)/.mlbook-installed

.PHONY: book test setup data font lint unit check-html chapter clean clean-cache

book: setup
	$(JB) build . -W --keep-going

test: setup lint unit book check-html

setup: $(STAMP) data font

# Reinstall only when the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --editable .
	touch $@

# Fashion-MNIST, offline at build time: the Debian package where apt works, else torchvision's downloader.
data: $(STAMP)
	@$(PY) -m mlbook.data >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q dataset-fashion-mnist >/dev/null; } || true; \
	  fi; \
	  $(PY) -m mlbook.data --fetch; }

# A font with Chinese glyphs for the figures.
font:
	@fc-list 2>/dev/null | grep -qiE 'Noto Sans CJK|WenQuanYi|Source Han Sans' || { \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -q fonts-noto-cjk >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q fonts-noto-cjk >/dev/null; }; \
	    rm -rf $$HOME/.cache/matplotlib; \
	  else echo "Install a CJK font (Debian: fonts-noto-cjk; macOS and Windows ship one)" >&2; exit 1; fi; }

lint: $(STAMP)
	$(VENV)/bin/ruff check code tests

unit: setup
	$(PY) -m pytest -m "not book"

check-html:
	$(PY) -m pytest -m book

# Execute one chapter alone, e.g. `make chapter CHAPTER=book/basics/calculus.md`; the executed
# notebook lands in _build/chapters/. `make book` then renders it (only changed chapters run again).
chapter: setup
	@test -n "$(CHAPTER)" || { echo "usage: make chapter CHAPTER=book/<part>/<name>.md" >&2; exit 2; }
	@mkdir -p _build/chapters
	cd $(dir $(CHAPTER)) && $(abspath $(VENV))/bin/jupytext --to ipynb --execute \
	  -o $(abspath _build/chapters)/$(notdir $(CHAPTER:.md=.ipynb)) $(notdir $(CHAPTER))

clean:
	rm -rf _build

# Forget every executed output: the next build runs all chapters again.
clean-cache:
	rm -rf _build/.jupyter_cache
