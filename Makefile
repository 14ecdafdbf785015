# omio-tui — `make run` and `make test` do all set-up on a fresh Debian machine with the
# Swift toolchain: missing system packages are installed with apt-get, then build, then run/test.

SWIFT        ?= swift
PYTHON       ?= python3
# Debian packages the build needs (C libraries Swift links through pkg-config / modulemaps).
BUILD_DEPS   := pkg-config libtiff-dev libncursesw5-dev zlib1g-dev libzstd-dev
# Extra packages the tests use: tmux drives the TUI end to end.
TEST_DEPS    := tmux
VENV         := .venv
BIN          := .build/release/omio-tui
DEBUG_BIN    := .build/debug/omio-tui
DEVTOOL      := .build/release/omio-devtool
BENCH_DATA   ?= bench-data
FUZZ_SECONDS ?= 60

.PHONY: all deps test-deps build run test test-swift test-python venv example-data bench-data bench fuzz test-asan clean

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

test: test-deps
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

venv:
	@scripts/make-venv.sh $(VENV) $(PYTHON)

example-data:
	$(SWIFT) build -c release --product omio-devtool
	$(DEVTOOL) example-data --output example_data

bench-data:
	$(SWIFT) build -c release --product omio-devtool
	$(DEVTOOL) bench-data --output $(BENCH_DATA)

clean:
	rm -rf .build .build-* $(VENV)
