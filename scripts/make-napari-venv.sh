#!/usr/bin/env bash
# Makes the venv of the napari check (Tests/python/check_napari.py) once: napari, PyQt6,
# zarr >= 3, dask and numpy from PyPI. Never fails the build: when it cannot, it prints why and
# writes the reason to <venv>.reason, which the check prints when it skips.
set -uo pipefail
venv=$1
python=${2:-python3}
reason="$venv.reason"
stamp="$venv/.omio-requirements"
want="napari PyQt6 zarr>=3 dask numpy"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  rm -f "$reason"
  exit 0
fi
fail() {
  echo "napari venv: $1"
  echo "$1" > "$reason"
  rm -rf "$venv"
  exit 0
}
rm -rf "$venv"
"$python" -m venv "$venv" >/dev/null 2>&1 || fail "cannot create a Python venv with $python (python3-venv missing?)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "napari venv: installing $want into $venv (once)"
# shellcheck disable=SC2086
"$venv/bin/pip" install -q --disable-pip-version-check $want >"$log" 2>&1 \
  || fail "pip install $want failed (no access to PyPI?): $(tail -1 "$log")"
echo "$want" > "$stamp"
rm -f "$reason"
