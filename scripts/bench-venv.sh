#!/usr/bin/env bash
# Makes (or reuses) the Python 3.12 venv `make bench` times OMIO and tifffile in:
# omio-microscopy (OMIO 0.3.0 needs Python 3.12) and tifffile from PyPI.
# On success prints the venv's python on stdout; otherwise prints why on stderr (and into
# REASON_FILE when given, for the report) and exits 1.
#   scripts/bench-venv.sh [VENV] [REASON_FILE]
set -uo pipefail
venv=${1:-.venv-bench}
reason_file=${2:-}
fail() {
  echo "$1" >&2
  [ -n "$reason_file" ] && echo "$1" >"$reason_file"
  exit 1
}

usable() { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import omio, tifffile" >/dev/null 2>&1; }
# The remote OME-Zarr rows read with ome-zarr-py (`ome_zarr info`) too: added to a venv that
# lacks it (it only adds packages; OMIO's zarr, dask and numpy stay). Without it those rows
# say why they did not run, the others run.
with_ome_zarr() {
  "$venv/bin/python" -c "import ome_zarr" >/dev/null 2>&1 ||
    "$venv/bin/pip" install --disable-pip-version-check -q ome-zarr >&2 ||
    echo "bench-venv: pip install ome-zarr failed; the remote OME-Zarr rows' Python side will not run" >&2
}
if usable; then with_ome_zarr; echo "$venv/bin/python"; exit 0; fi

# A python3.12 that runs: PATH first (a pyenv shim on PATH may refuse to run), then pyenv.
py=""
for c in "$(command -v python3.12 2>/dev/null)" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12; do
  if [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then
    py=$c
    break
  fi
done
[ -n "$py" ] || fail "no working python3.12 (on PATH or under pyenv); omio-microscopy 0.3.0 needs Python 3.12"
echo "bench-venv: creating $venv with $py (omio-microscopy, tifffile from PyPI; ~1 GB, a few minutes the first time)" >&2
rm -rf "$venv"
"$py" -m venv "$venv" >&2 || fail "$py -m venv $venv failed"
if ! "$venv/bin/pip" install --disable-pip-version-check -q omio-microscopy tifffile >&2; then
  rm -rf "$venv"
  fail "pip install omio-microscopy tifffile failed (no network or no PyPI access?)"
fi
usable || fail "the venv was made but 'import omio, tifffile' fails in it"
with_ome_zarr
echo "$venv/bin/python"
