#!/usr/bin/env bash
# Runs the C API tests (tests/c/test_api.c, tests/c/test_bad_inputs.c) and the
# C++ bindings' tests (tests/bindings/cpp/test_xbar.cpp, C++17) built with
# clang under AddressSanitizer + UndefinedBehaviorSanitizer, against the
# release libxbar (the Rust side is not instrumented; its allocations still go
# through the sanitizer's malloc, so leaks and heap misuse across the boundary
# are seen). Every report fails the run:
#   ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:allocator_may_return_null=1
#   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# allocator_may_return_null=1 makes an impossible allocation return NULL, as
# glibc's malloc does, instead of stopping the process: the bad-input matrix
# checks that xbar_core_new turns one into XBAR_ERR_OUT_OF_MEMORY.
#
#   bash tests/c/sanitizers.sh
# Needs clang and its sanitizer runtimes (Debian: clang, libclang-rt-14-dev).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="$root/target/c-sanitizers"
mkdir -p "$out/lib"

status=0
results=()
step() { # step NAME COMMAND...: runs a step, records its result
    local name="$1"
    shift
    echo "=== $name"
    if "$@"; then
        results+=("ok      $name")
    else
        results+=("FAILED  $name")
        status=1
    fi
}

step "cargo build --release --lib" cargo build --release --lib || true
so="$root/target/release/libxbar.so"
if [ ! -f "$so" ]; then
    echo "tests/c/sanitizers.sh: $so was not built" >&2
    exit 1
fi
major="$(sed -n 's/^version *= *"\([0-9]*\)\..*/\1/p' Cargo.toml | head -n1)"
ln -sf "$so" "$out/lib/libxbar.so"
ln -sf "$so" "$out/lib/libxbar.so.$major"

san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1)
link=(-L"$out/lib" -lxbar -Wl,-rpath,"$out/lib")
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export RUST_BACKTRACE=0

# run_logged NAME COMMAND...: runs a test, fails on a non-zero exit or on any
# sanitizer report in its output (shown in full).
run_logged() {
    local log="$out/$1.log"
    shift
    "$@" >"$log" 2>&1
    local rc=$?
    tail -n 3 "$log"
    if grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer" "$log"; then
        echo "sanitizer report in $log:"
        cat "$log"
        return 1
    fi
    [ $rc = 0 ] || { echo "exit status $rc; see $log"; return 1; }
    echo "no sanitizer reports"
}

for t in test_api test_bad_inputs; do
    step "clang ASan+UBSan: compile tests/c/$t.c" \
        clang -std=c11 -Wall -Wextra -Wpedantic -Werror "${san[@]}" -pthread -Iinclude \
        "tests/c/$t.c" -o "$out/$t" "${link[@]}" -lm
    [ -x "$out/$t" ] && step "clang ASan+UBSan: run $t" run_logged "$t" "$out/$t"
done

step "clang++ ASan+UBSan: compile tests/bindings/cpp/test_xbar.cpp (C++17)" \
    clang++ -std=c++17 -Wall -Wextra -Wpedantic -Werror "${san[@]}" -Iinclude -Ibindings/cpp \
    tests/bindings/cpp/test_xbar.cpp -o "$out/test_xbar" "${link[@]}"
[ -x "$out/test_xbar" ] &&
    step "clang++ ASan+UBSan: run test_xbar" run_logged test_xbar "$out/test_xbar" \
        "$root/tests/bindings/reference_64x48.txt"

echo "=== summary (tests/c/sanitizers.sh)"
printf '  %s\n' "${results[@]}"
exit $status
