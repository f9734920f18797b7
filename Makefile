# Two entry points for a fresh machine: `make book` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
STAMP  := $(VENV)/.mlbook-installed

# MathJax 3, served from the site itself so that the book reads offline: the npm registry's package, checked.
MATHJAX_VERSION := 3.2.2
MATHJAX_SHA256  := 1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
MATHJAX         := _vendor/mathjax
MATHJAX_STAMP   := $(MATHJAX)/.version-$(MATHJAX_VERSION)

# axe-core, the accessibility rules the browser test runs on every page (WCAG 2.1 A and AA): the npm package,
# checked; kept in _build/, not _vendor/, whose files the site serves.
AXE_VERSION := 4.14.1
AXE_SHA256  := e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
AXE         := _build/axe-core
AXE_STAMP   := $(AXE)/.version-$(AXE_VERSION)

.PHONY: book test setup data font mathjax axe browser lint unit check-html chapter records notebooks pdf gpu-bundle clean clean-cache

# Stale chapters execute first, JOBS at a time (mlbook_build.execute: auto is one per core, at most 4); the build
# then finds them all in the cache and renders. `make book JOBS=1` executes one chapter at a time.
JOBS ?= auto

book: setup
	$(PY) -m mlbook_build.execute --jobs $(JOBS)
	$(JB) build . -W --keep-going

test: setup lint unit book check-html

setup: $(STAMP) data font mathjax axe browser

# Reinstall only when the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml tools/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --editable . --editable tools
	touch $@

# Debian packages where apt works as root (first without refreshing the package lists, then with):
# `if $(CAN_APT); then $(APT_INSTALL) PACKAGE...; fi`.
CAN_APT     := command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]
APT_INSTALL := apt_install() { apt-get install -y -q --no-install-recommends "$$@" >/dev/null 2>&1 || \
                 { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$$@" >/dev/null; }; }; \
               apt_install

# Fashion-MNIST, offline at build time: the Debian package where apt works, else torchvision's downloader.
data: $(STAMP)
	@$(PY) -m mlbook.data >/dev/null 2>&1 || { \
	  if $(CAN_APT); then $(APT_INSTALL) dataset-fashion-mnist || true; fi; \
	  $(PY) -m mlbook.data --fetch; }

# A font with Chinese glyphs for the figures.
font:
	@fc-list 2>/dev/null | grep -qiE 'Noto Sans CJK|WenQuanYi|Source Han Sans' || { \
	  if $(CAN_APT); then $(APT_INSTALL) fonts-noto-cjk; rm -rf $$HOME/.cache/matplotlib; \
	  else echo "Install a CJK font (Debian: fonts-noto-cjk; macOS and Windows ship one)" >&2; exit 1; fi; }

# es5/ of the package without the combined files the book does not load; tex-svg-full.js holds every TeX
# extension and draws with SVG paths, so no font files and no extension is fetched when a page opens.
mathjax: $(MATHJAX_STAMP)
$(MATHJAX_STAMP):
	rm -rf $(MATHJAX) && mkdir -p $(MATHJAX)/.download
	cd $(MATHJAX)/.download && { npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null 2>&1 || \
	  curl -fsSLO https://registry.npmjs.org/mathjax/-/mathjax-$(MATHJAX_VERSION).tgz; }
	echo "$(MATHJAX_SHA256)  $(MATHJAX)/.download/mathjax-$(MATHJAX_VERSION).tgz" | sha256sum --check --quiet
	tar -xzf $(MATHJAX)/.download/mathjax-$(MATHJAX_VERSION).tgz -C $(MATHJAX) --strip-components=2 package/es5
	cd $(MATHJAX) && rm -rf .download latest.js node-main.js mml-*.js tex-chtml*.js tex-mml-*.js tex-svg.js output/chtml*
	touch $@

axe: $(AXE_STAMP)
$(AXE_STAMP):
	rm -rf $(AXE) && mkdir -p $(AXE)/.download
	cd $(AXE)/.download && { npm pack --silent axe-core@$(AXE_VERSION) >/dev/null 2>&1 || \
	  curl -fsSLO https://registry.npmjs.org/axe-core/-/axe-core-$(AXE_VERSION).tgz; }
	echo "$(AXE_SHA256)  $(AXE)/.download/axe-core-$(AXE_VERSION).tgz" | sha256sum --check --quiet
	tar -xzf $(AXE)/.download/axe-core-$(AXE_VERSION).tgz -C $(AXE) --strip-components=1 package/axe.min.js package/LICENSE
	rm -rf $(AXE)/.download
	touch $@

# Headless Chromium for the browser test (tests/test_browser.py) and `make pdf`.
browser:
	@test -x /usr/bin/chromium || { \
	  if $(CAN_APT); then $(APT_INSTALL) chromium || \
	    echo "Chromium could not be installed: the browser test will be skipped" >&2; \
	  else echo "No /usr/bin/chromium (Debian: apt-get install chromium): the browser test will be skipped" >&2; fi; }

# ruff over the Python files, then over the chapters' code cells (findings name the .md file and line)
lint: $(STAMP)
	$(VENV)/bin/ruff check code tools tests _ext bench
	$(PY) -m mlbook_build.lint book

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

# Records of full-setting training runs (mlbook.records): copy those the last full-profile build wrote into
# _build/records/ to book/records/, which every build's pages read, and renew the README's table of them.
# Nothing else writes book/records/.
# Make them with `MLBOOK_PROFILE=full make book` (on a GPU machine), or execute only some chapters in full:
# `MLBOOK_PROFILE=full .venv/bin/python -m mlbook_build.execute book/cnn/lenet.md`.
records: $(STAMP)
	$(PY) -m mlbook.records publish

# The executed notebooks the site offers for download, put beside their chapters (gitignored, left out of the
# build). A build that finds them there points its Colab and Binder buttons at .ipynb files instead of the
# MyST sources: the publishing workflow does so, and pushes them to the branch those buttons open.
notebooks:
	@test -d _build/html/_sources/book || { echo "no notebooks in _build/html/_sources: run make book first" >&2; exit 1; }
	cd _build/html/_sources && find book -name '*.ipynb' -exec cp --parents {} $(CURDIR)/ \;

# The whole book as one PDF, _build/pdf/book.pdf: the single-page HTML build (outputs from the execution cache,
# formulas by the same MathJax) printed by headless Chromium. The copy next to _static/ is the page its links expect.
# CHROMIUM_FLAGS are also the browser test's (tests/test_browser.py reads them here): without the networking
# flags Chromium calls home at start, which a machine without network access refuses.
CHROMIUM_FLAGS := --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
                  --disable-component-update --disable-sync
pdf: setup
	@test -x /usr/bin/chromium || { echo "make pdf needs Chromium (Debian: apt-get install chromium)" >&2; exit 1; }
	$(JB) build . --builder singlehtml -W --keep-going
	cp _build/singlehtml/book/index.html _build/singlehtml/print.html
	mkdir -p _build/pdf
	/usr/bin/chromium --headless $(CHROMIUM_FLAGS) --run-all-compositor-stages-before-draw \
	  --virtual-time-budget=300000 --no-pdf-header-footer \
	  --print-to-pdf=_build/pdf/book.pdf file://$(CURDIR)/_build/singlehtml/print.html 2>/dev/null
	@test -s _build/pdf/book.pdf && echo "wrote _build/pdf/book.pdf"

# What a full-profile build on a GPU machine without network access needs (bench/gpu/README.md): .gpu/, for
# bench/gpu/run.sh.
gpu-bundle: setup
	bash bench/gpu/bundle.sh

clean:
	rm -rf _build

# Forget every executed output: the next build runs all chapters again.
clean-cache:
	rm -rf _build/.jupyter_cache
