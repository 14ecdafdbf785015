# omio-tui — `make run` and `make test` do all set-up on a fresh Debian machine with the
# Swift toolchain: missing system packages are installed with apt-get, then build, then run/test.

SWIFT        ?= swift
PYTHON       ?= python3
# Debian packages the build needs (C libraries Swift links through pkg-config / modulemaps).
BUILD_DEPS   := pkg-config libtiff-dev libncursesw5-dev zlib1g-dev libzstd-dev libblosc-dev libcurl4-openssl-dev
# Extra packages the tests use: tmux drives the TUI end to end.
TEST_DEPS    := tmux
# The napari check (Tests/python/check_napari.py): Xvfb, and what PyQt6's xcb platform plugin and
# vispy's OpenGL load (ldd of PyQt6 6.11's libqxcb.so and Qt libraries); without them it is skipped.
NAPARI_DEPS  := xvfb xauth libgl1 libegl1 libglx-mesa0 libgl1-mesa-dri libxkbcommon-x11-0 libxcb-cursor0 \
                libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 \
                libxcb-xkb1 libx11-xcb1 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
# Real terminals for the screenshot checks (Tests/python/check_terminals.py): sixel xterm and
# kitty under Xvfb, imagemagick's `import` and xdotool to shoot one window; skipped with a
# printed reason when they cannot be installed.
TERMINAL_DEPS := xterm kitty imagemagick xdotool
VENV         := .venv
# napari, PyQt6, zarr and dask for the napari check (about 1 GB; made once).
NAPARI_VENV  := .venv-napari
BIN          := .build/release/omio-tui
DEBUG_BIN    := .build/debug/omio-tui
DEVTOOL      := .build/release/omio-devtool
BENCH_DATA   ?= bench-data
FUZZ_SECONDS ?= 60
MUTANTS      ?= 20000
MUTATE_SEED  ?= 1
MUTATE_JOBS  ?= 2
# The shared corpus (real files to mutate, the corrupt corpus to run as is), when present.
CORPUS       ?= $(firstword $(wildcard ../shared/corpus /work/shared/corpus))

.PHONY: all deps test-deps build run test test-python launcher venv example-data bench-data bench fuzz mutate test-asan clean

all: build

# Install only what is missing; use sudo when not root.
deps:
	@scripts/ensure-debian-packages.sh $(BUILD_DEPS)

test-deps:
	@scripts/ensure-debian-packages.sh $(BUILD_DEPS) $(TEST_DEPS)

build: deps
	$(SWIFT) build -c release --product omio-tui

run: build
	$(BIN) example_data

# The venv comes first: the Zarr reader's tests compare with stores zarr-python writes.
test: test-deps venv
	$(SWIFT) build --build-tests
	OMIO_TUI_BIN=$(CURDIR)/$(DEBUG_BIN) $(SWIFT) test --skip-build --parallel
	@$(MAKE) --no-print-directory test-python

# Cross-checks against tifffile / zarr / napari in a venv from PyPI; skipped with a printed
# reason when the venv cannot be made (no network), never silently.
test-python: venv
	@if [ -x $(VENV)/bin/python ]; then \
		OMIO_TUI_BIN=$(CURDIR)/$(DEBUG_BIN) $(VENV)/bin/python Tests/python/run_all.py; \
	else \
		echo "test-python: SKIPPED: no Python venv with tifffile (see above)"; \
	fi

# The napari launcher is edited as Sources/OmioEngine/Napari/launcher.py and built into the binary
# from LauncherTemplate.swift beside it; this rewrites that file (a test fails when they differ).
launcher:
	scripts/embed-launcher.sh

venv:
	@scripts/make-venv.sh $(VENV) $(PYTHON)
	@scripts/ensure-debian-packages.sh $(NAPARI_DEPS) || echo "venv: Debian packages for Xvfb could not be installed; the napari check will be skipped"
	@scripts/ensure-debian-packages.sh $(TERMINAL_DEPS) || echo "venv: xterm/kitty/imagemagick/xdotool could not be installed; the real-terminal checks will be skipped"
	@scripts/make-napari-venv.sh $(NAPARI_VENV) $(PYTHON)

# libFuzzer targets (TIFF container + region reads, ImageJ description, OME-XML mapping, LSM
# header), built with -sanitize=fuzzer,address into .fuzz/bin and run one after another for
# FUZZ_SECONDS each; fails when a run finds anything (see Fuzz/run.sh).
fuzz: deps
	Fuzz/build.sh
	FUZZ_SECONDS=$(FUZZ_SECONDS) PYTHON=$(PYTHON) Fuzz/run.sh

# Mutant run through the release binary (Fuzz/mutate.py): MUTANTS executions over seeded
# truncated, byte-flipped and tag-patched copies of example_data and $(CORPUS)/real, each
# through info, slice, render and cache build (after the --sweep of sizing tags at 2^24 and
# 2^32-1), plus every file of $(CORPUS)/corrupt as is.
# Prints executions, crashes by signal, hangs and peak RSS; reproducers in .fuzz/mutants/.
# Fails when anything crashed, hung or passed 300 MB RSS on a file under 10 MB.
mutate: build
	$(PYTHON) Fuzz/mutate.py --bin $(BIN) --executions $(MUTANTS) --seed $(MUTATE_SEED) --jobs $(MUTATE_JOBS) --sweep --check \
		$(if $(CORPUS),--plain $(CORPUS)/corrupt) example_data $(if $(CORPUS),$(CORPUS)/real)

# The whole test suite built with address sanitizer in its own scratch path; the fault tests
# then drive the ASan-built binary. A sanitizer report aborts (a signal the tests catch);
# Fuzz/lsan.supp silences three leaks inside the toolchain's Foundation.
ASAN_SCRATCH := .build-asan
test-asan: test-deps
	$(SWIFT) build --build-tests --scratch-path $(ASAN_SCRATCH) -Xswiftc -sanitize=address
	OMIO_TUI_BIN=$(CURDIR)/$(ASAN_SCRATCH)/debug/omio-tui SWIFT_BACKTRACE=enable=no \
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/Fuzz/lsan.supp \
	$(SWIFT) test --skip-build --scratch-path $(ASAN_SCRATCH) -Xswiftc -sanitize=address --parallel

example-data:
	$(SWIFT) build -c release --product omio-devtool
	$(DEVTOOL) example-data --output example_data

# `make bench`: a release build in its own scratch path, the seed-sized files when missing
# (`make bench-data`), a Python 3.12 venv with OMIO (omio-microscopy) and tifffile and Debian's
# chafa when they can be had (otherwise those cases are skipped and the reason printed and
# reported), then the harness (`omio-devtool bench`, Sources/omio-devtool/Bench*.swift), which
# prints the table and writes BENCHMARKS.md. Harness options (repetitions ...): BENCH_ARGS.
BENCH_SCRATCH ?= .build-bench
BENCH_BIN     := $(BENCH_SCRATCH)/release
BENCH_VENV    ?= .venv-bench
BENCH_ARGS    ?=

bench-data: deps
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --product omio-devtool
	$(BENCH_BIN)/omio-devtool bench-data --output $(BENCH_DATA)

bench: deps
	@set -e; start=$$(date +%s); \
	$(MAKE) --no-print-directory bench-data; \
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH); \
	build=$$(( $$(date +%s) - start )); t=$$(date +%s); \
	rm -f $(BENCH_SCRATCH)/bench-venv.reason; \
	if py=$$(scripts/bench-venv.sh $(BENCH_VENV) $(BENCH_SCRATCH)/bench-venv.reason); then \
		set -- --python "$$py"; \
	else \
		reason=$$(cat $(BENCH_SCRATCH)/bench-venv.reason 2>/dev/null || echo "the Python venv could not be made"); \
		echo "bench: OMIO and tifffile cases SKIPPED: $$reason"; \
		set -- --no-python "$$reason"; \
	fi; \
	if scripts/ensure-debian-packages.sh chafa && command -v chafa >/dev/null 2>&1; then \
		set -- "$$@" --chafa "$$(command -v chafa)"; \
	else \
		echo "bench: chafa cases SKIPPED: chafa could not be installed from Debian"; \
		set -- "$$@" --no-chafa "chafa could not be installed from Debian (apt-get)"; \
	fi; \
	setup=$$(( $$(date +%s) - t )); \
	$(BENCH_BIN)/omio-devtool bench --data $(BENCH_DATA) --output BENCHMARKS.md \
		--omio-tui $(BENCH_BIN)/omio-tui --artifacts $(BENCH_SCRATCH)/bench-artifacts --started-at $$start \
		--setup-note "set-up inside this run: release build and bench-data check $$build s, Python venv and chafa $$setup s" \
		"$$@" $(BENCH_ARGS)

clean:
	rm -rf .build .build-* .fuzz $(VENV) $(NAPARI_VENV) $(BENCH_VENV) $(NAPARI_VENV).reason
