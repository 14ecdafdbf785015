#!/usr/bin/env bash
# Makes the test venv (tifffile, numpy, zarr, dask, ome-zarr; pyflakes for the napari launcher;
# pyte, a terminal emulator, to read the TUI's screen back with its colours)
# once; prints why when it cannot.
set -uo pipefail
venv=$1
python=${2:-python3}
stamp="$venv/.omio-requirements"
want="tifffile imagecodecs numpy zarr>=3 dask ome-zarr czifile ome-types xmlschema pyflakes pyte"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
  echo "venv: cannot create a Python venv with $python (python3-venv missing?)"
  rm -rf "$venv"
  exit 0
fi
if ! "$venv/bin/pip" install -q $want >/tmp/omio-venv-pip.log 2>&1; then
  echo "venv: pip install failed (no access to PyPI?): $(tail -1 /tmp/omio-venv-pip.log)"
  rm -rf "$venv"
  exit 0
fi
echo "$want" > "$stamp"
