#!/bin/sh
# Runs each fuzz target (built by Fuzz/build.sh) for FUZZ_SECONDS, one after another, in
# libFuzzer's fork mode so one finding does not end the run:
#   .fuzz/seeds/<target>/      seeds from example_data and the shared corpus (Fuzz/seeds.py)
#   .fuzz/<target>/corpus/     the growing corpus, kept between runs
#   .fuzz/<target>/artifacts/  crash-*, timeout-*, oom-*, leak-* inputs
#   .fuzz/<target>/log         libFuzzer's output
# Exit status 1 when this run found anything: make each finding a file under
# Tests/FaultTests/Regressions/<target>/ and fix it. Replay one input with
#   SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=Fuzz/lsan.supp .fuzz/bin/fuzz-<target> FILE
set -eu
cd "$(dirname "$0")/.."

SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"tiff imagej ome-xml lsm display store"}
TIMEOUT=${FUZZ_TIMEOUT:-10}
WORK=.fuzz
CORPUS=${OMIO_CORPUS:-}
for c in "$CORPUS" ../shared/corpus /work/shared/corpus; do
    if [ -n "$c" ] && [ -d "$c/real" ]; then CORPUS=$c; break; fi
done

PYTHON=${PYTHON:-python3}
rm -rf "$WORK/seeds"
# shellcheck disable=SC2046
"$PYTHON" Fuzz/seeds.py "$WORK/seeds" example_data/* $( [ -d "$CORPUS/real" ] && echo "$CORPUS"/real/* "$CORPUS"/corrupt/* )

found=0
for t in $TARGETS; do
    exe="$WORK/bin/fuzz-$t"
    [ -x "$exe" ] || { echo "fuzz: $exe is missing (run Fuzz/build.sh)"; exit 2; }
    mkdir -p "$WORK/$t/corpus" "$WORK/$t/artifacts"
    before=$(ls "$WORK/$t/artifacts" | wc -l)
    dict=""
    [ -f "Fuzz/dict/$t.dict" ] && dict="-dict=Fuzz/dict/$t.dict"
    # Larger inputs cost more per run than they add: text targets get 64 KB (longer seeds are
    # cut), files 400 KB.
    maxlen=65536
    [ "$t" = tiff ] && maxlen=${FUZZ_TIFF_MAX_LEN:-400000}
    echo "fuzz: $t for ${SECONDS_EACH}s (log: $WORK/$t/log)"
    # shellcheck disable=SC2086
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/Fuzz/lsan.supp} \
    "$exe" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -max_len=$maxlen -artifact_prefix="$WORK/$t/artifacts/" -print_final_stats=1 $dict \
        "$WORK/$t/corpus" "$WORK/seeds/$t" >"$WORK/$t/log" 2>&1 || true
    after=$(ls "$WORK/$t/artifacts" | wc -l)
    stats=$(grep -E "^#[0-9]+.*DONE|INFO: fuzzed for" "$WORK/$t/log" | tail -1 || true)
    echo "fuzz: $t: $stats"
    if [ "$after" -gt "$before" ]; then
        echo "fuzz: $t: $((after - before)) new finding(s):"
        ls -t "$WORK/$t/artifacts" | head -n $((after - before)) | sed "s|^|    $WORK/$t/artifacts/|"
        found=1
    fi
done
if [ "$found" = 1 ]; then
    echo "fuzz: FINDINGS: add each input to Tests/FaultTests/Regressions/<target>/ and fix it"
    exit 1
fi
echo "fuzz: nothing found"
