#!/bin/sh
# Builds the libFuzzer targets into .fuzz/bin/fuzz-<target>:
#   1. OmioFormats, then OmioEngine, instrumented (-sanitize=fuzzer,address), as static
#      libraries + modules, with the same module maps and system libraries as `swift build` uses;
#   2. per target, Fuzz/targets/<target>.swift + the shared harness
#      (Tests/FaultTests/Harness/*.swift) linked against them.
# Rebuilds only what is older than its sources.
set -eu
cd "$(dirname "$0")/.."

SWIFTC=${SWIFTC:-swiftc}
OUT=.fuzz/build
BIN=.fuzz/bin
TARGETS=${FUZZ_TARGETS:-"tiff imagej ome-xml lsm display store"}
mkdir -p "$OUT/modules" "$BIN"

SAN="-sanitize=fuzzer,address"
OPT="-O -g -swift-version 5"
# What SwiftPM passes for the system-library targets (see `swift build -v`): every C module
# map (their `link` lines autolink the libraries) and the pkg-config include paths.
MAPS=""
for map in Sources/C*/module.modulemap; do MAPS="$MAPS -Xcc -fmodule-map-file=$PWD/$map"; done
PKGS="libtiff-4 zlib libzstd"
for flag in $(pkg-config --cflags-only-I $PKGS 2>/dev/null); do MAPS="$MAPS $flag"; done
LIBS="$(pkg-config --libs $PKGS 2>/dev/null || echo -ltiff -lz -lzstd)"

HARNESS="Tests/FaultTests/Harness/FuzzHarness.swift Tests/FaultTests/Harness/EngineFuzzHarness.swift"
# OMIO_FORMATS_SRC: another folder of OmioFormats sources (e.g. a snapshot while a file in
# progress does not compile).
FORMATS=${OMIO_FORMATS_SRC:-Sources/OmioFormats}
LIB="$OUT/libOmioFormats.a"
ENGINE=${OMIO_ENGINE_SRC:-Sources/OmioEngine}
ENGINE_LIB="$OUT/libOmioEngine.a"

# ld.gold warns once per ASan helper symbol ("Cannot export local symbol"): noise, dropped.
quiet() {
    "$@" >"$OUT/log" 2>&1 || { grep -v "Cannot export local symbol" "$OUT/log"; return 1; }
    grep -v "Cannot export local symbol" "$OUT/log" || true
}

newer_than() { # newer_than OUTPUT SOURCES...: true when OUTPUT is missing or a source is newer
    out=$1; shift
    [ -e "$out" ] || return 0
    for s in "$@"; do [ "$s" -nt "$out" ] && return 0; done
    return 1
}

if newer_than "$LIB" "$FORMATS"/*.swift Sources/C*/* Fuzz/build.sh; then
    echo "fuzz: building instrumented OmioFormats"
    # shellcheck disable=SC2086
    quiet $SWIFTC -module-name OmioFormats -parse-as-library -emit-library -static -wmo \
        -emit-module -emit-module-path "$OUT/modules/OmioFormats.swiftmodule" \
        $OPT $SAN $MAPS -module-cache-path "$OUT/module-cache" \
        "$FORMATS"/*.swift -o "$LIB"
fi

# shellcheck disable=SC2046
if newer_than "$ENGINE_LIB" "$LIB" $(find "$ENGINE" -name '*.swift'); then
    echo "fuzz: building instrumented OmioEngine"
    # shellcheck disable=SC2046,SC2086
    quiet $SWIFTC -module-name OmioEngine -parse-as-library -emit-library -static -wmo \
        -emit-module -emit-module-path "$OUT/modules/OmioEngine.swiftmodule" -I "$OUT/modules" \
        $OPT $SAN $MAPS -module-cache-path "$OUT/module-cache" \
        $(find "$ENGINE" -name '*.swift' | sort) -o "$ENGINE_LIB"
fi

for t in $TARGETS; do
    exe="$BIN/fuzz-$t"
    # shellcheck disable=SC2086
    if newer_than "$exe" "$LIB" "$ENGINE_LIB" "Fuzz/targets/$t.swift" $HARNESS; then
        echo "fuzz: building $exe"
        name=$(echo "fuzz_$t" | tr '-' '_')
        # shellcheck disable=SC2086
        quiet $SWIFTC -module-name "$name" -parse-as-library $OPT $SAN $MAPS -module-cache-path "$OUT/module-cache" \
            -I "$OUT/modules" "Fuzz/targets/$t.swift" $HARNESS "$ENGINE_LIB" "$LIB" $LIBS -o "$exe"
    fi
done
