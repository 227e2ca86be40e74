#!/usr/bin/env bash
# Checks that the C port of the digits example (examples/c/digits.c, through
# the C API) gives the same numbers as the Rust example (examples/digits/),
# bit for bit:
#   1. builds libxbar (release) and runs the Rust example;
#   2. compiles examples/c/digits.c against target/release/libxbar.a with
#      gcc -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror and runs it on the
#      decompressed examples/data/digits.csv.gz;
#   3. compares the two digits.csv files as text (every number, shortest
#      round-trip formatting) and the two tables printed on stdout;
#   4. runs the C program with --quick under valgrind (memory errors and
#      definite or indirect leaks fail), when valgrind is installed.
#
#   bash tests/c/digits.sh              # --quick (seconds; the valgrind run about a minute)
#   bash tests/c/digits.sh --default    # the default preset (about 20 s per program)
#   bash tests/c/digits.sh --full
#   XBAR_C_NO_VALGRIND=1 bash tests/c/digits.sh   # skip step 4
#
# Outputs stay in target/c-digits/. Exits non-zero at the first failing step.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
case "${1:---quick}" in
--quick) preset=(--quick) preset_name="--quick" ;;
--default) preset=() preset_name="default preset" ;;
--full) preset=(--full) preset_name="--full" ;;
*)
    echo "usage: bash tests/c/digits.sh [--quick | --default | --full]" >&2
    exit 2
    ;;
esac
out="$root/target/c-digits"
rm -rf "$out"
mkdir -p "$out"

# timed NAME COMMAND...: runs a step and prints how long it took; exits when it fails.
timed() {
    local name="$1" start="$EPOCHREALTIME"
    shift
    echo "=== $name"
    if ! "$@"; then
        echo "FAILED: $name"
        exit 1
    fi
    awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "    (%.1f s)\n", e - s }'
}

# The table a run printed: its stdout without the lines that name files or times.
table() { grep -v -e '^wrote ' -e '^time: ' "$1"; }

# The numbers of a digits.csv: the value, runs, accuracy_mean and accuracy_std
# fields that are not empty (the quoted group, setting and status removed first).
count_values() {
    sed -E '1d; s/^"([^"]|"")*","([^"]|"")*",//; s/,"([^"]|"")*"$//' "$1" |
        awk -F, '{ for (i = 2; i <= 5; i++) if ($i != "") n++ } END { print n + 0 }'
}

rust_example() {
    cargo build --release --lib &&
        cargo run --release --example digits -- "${preset[@]}" --out "$out/rust" >"$out/rust.out"
}
timed "cargo build --release --lib; cargo run --release --example digits ($preset_name)" rust_example

compile_c() {
    gcc -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror -Iinclude examples/c/digits.c \
        target/release/libxbar.a -lm -lpthread -ldl -o "$out/digits-c"
}
timed "compile examples/c/digits.c (gcc -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror)" compile_c

run_c() {
    gzip -dc examples/data/digits.csv.gz | "$out/digits-c" "${preset[@]}" --out "$out/c" >"$out/c.out"
}
timed "gzip -dc examples/data/digits.csv.gz | digits-c ($preset_name)" run_c

compare() {
    if ! cmp -s "$out/rust/digits.csv" "$out/c/digits.csv"; then
        echo "digits.c: digits.csv differs from the Rust example's ($preset_name); first differences (< Rust, > C):"
        diff "$out/rust/digits.csv" "$out/c/digits.csv" | head -n 20
        return 1
    fi
    if ! diff <(table "$out/rust.out") <(table "$out/c.out") >"$out/table.diff"; then
        echo "digits.c: the table on stdout differs from the Rust example's ($preset_name); first differences (< Rust, > C):"
        head -n 20 "$out/table.diff"
        return 1
    fi
    echo "digits.c: $(count_values "$out/c/digits.csv") values identical to the Rust example ($preset_name)"
    echo "digits.c: the table on stdout is identical too ($(table "$out/c.out" | wc -l) lines)"
}
timed "compare digits.csv and the tables" compare

under_valgrind() {
    local log="$out/valgrind.log"
    gzip -dc examples/data/digits.csv.gz |
        RUST_BACKTRACE=0 valgrind --error-exitcode=1 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect --log-file="$log" \
            "$out/digits-c" --quick --out "$out/valgrind" >"$out/valgrind.out" || {
        echo "valgrind failed; see $log"
        return 1
    }
    grep -E "ERROR SUMMARY|definitely lost|indirectly lost" "$log" | sed 's/^==[0-9]*== *//'
    if [ "$preset_name" = --quick ] && ! cmp -s "$out/c/digits.csv" "$out/valgrind/digits.csv"; then
        echo "digits.csv under valgrind differs from the run without it"
        return 1
    fi
}
if [ "${XBAR_C_NO_VALGRIND:-0}" = 1 ]; then
    echo "SKIPPED: the valgrind run (XBAR_C_NO_VALGRIND=1)"
elif ! command -v valgrind >/dev/null; then
    echo "SKIPPED: the valgrind run (valgrind missing)"
else
    timed "digits-c --quick under valgrind (--leak-check=full, definite and indirect leaks are errors)" under_valgrind
fi
echo "tests/c/digits.sh: ok"
