#!/usr/bin/env bash
# Builds the coverage-guided fuzz targets of fuzz/ (cargo fuzz, libFuzzer) once
# and runs each for a bounded time from its committed seed corpus
# (fuzz/corpus/<target>/); new inputs go to fuzz/target/corpus/<target>/ and
# crashing inputs to fuzz/artifacts/<target>/ (both git-ignored). Prints the
# executions per target; exits non-zero when a target crashed or failed to run.
#
#   bash tests/fuzz/run.sh                     # every target, 60 s each, AddressSanitizer
#   FUZZ_SECONDS=300 bash tests/fuzz/run.sh saved_core c_api
#   FUZZ_SANITIZER=none bash tests/fuzz/run.sh # without ASan (faster build and runs)
#   FUZZ_PROFILE=dev FUZZ_SANITIZER=none FUZZ_SECONDS=5 bash tests/fuzz/run.sh
#                                              # a smoke (scripts/test.sh --quick): unoptimised
#                                              # build, the quickest to compile
#
# cargo fuzz passes -Z flags (-Zsanitizer=address) that only nightly rustc
# accepts; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
# A crash is reproduced with:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/crash-...   (in fuzz/)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root/fuzz"
seconds="${FUZZ_SECONDS:-60}"
sanitizer="${FUZZ_SANITIZER:-address}"
profile=()
case "${FUZZ_PROFILE:-release}" in
    release) ;;
    dev) profile=(--dev) ;;
    *)
        echo "tests/fuzz/run.sh: FUZZ_PROFILE is release or dev, not '$FUZZ_PROFILE'" >&2
        exit 2
        ;;
esac
export RUSTC_BOOTSTRAP=1

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

start=$SECONDS
if ! cargo fuzz build "${profile[@]}" -s "$sanitizer"; then
    echo "tests/fuzz/run.sh: cargo fuzz build failed" >&2
    exit 1
fi
echo "built ${#targets[@]} targets (sanitizer: $sanitizer, ${FUZZ_PROFILE:-release} build) in $((SECONDS - start)) s"

status=0
rows=()
for t in "${targets[@]}"; do
    echo "=== $t ($seconds s)"
    work="$root/fuzz/target/corpus/$t"
    mkdir -p "$work" "$root/fuzz/artifacts/$t"
    log="$root/fuzz/target/fuzz-$t.log"
    cargo fuzz run "${profile[@]}" -s "$sanitizer" "$t" "$work" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 \
        -artifact_prefix="$root/fuzz/artifacts/$t/" >"$log" 2>&1
    rc=$?
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
    units="$(find "$work" -type f | wc -l)"
    if [ $rc -eq 0 ]; then
        result=ok
    else
        result="FAILED (exit $rc)"
        status=1
        grep -E "panicked|ERROR: |SUMMARY|Test unit written|artifact_prefix" "$log" | head -n 20
        echo "full log: $log"
    fi
    rows+=("$(printf '%-12s %6s s  %12s executions  %6s corpus files  %s' "$t" "$seconds" "${execs:-?}" "$units" "$result")")
done

echo "=== summary (tests/fuzz)"
printf '  %s\n' "${rows[@]}"
exit $status
