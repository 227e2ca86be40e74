#!/usr/bin/env bash
# Builds libxbar (release), compiles the C API tests against include/xbar.h
# (test_api.c: the API end to end; test_bad_inputs.c: the bad-input matrix),
# runs them, runs them again under valgrind, checks that the header compiles as
# C++17 and that the library exports exactly the functions the header declares.
#
#   bash tests/c/run.sh            # everything
#   XBAR_C_PROFILE=debug bash tests/c/run.sh   # use target/debug (no release build)
#   XBAR_C_NO_VALGRIND=1 ...       # skip the valgrind run
#
# Exits non-zero when any step fails; prints a summary line per step.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
profile="${XBAR_C_PROFILE:-release}"
out="$root/target/c"
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

build_lib() {
    if [ "$profile" = release ]; then
        cargo build --release --lib
    else
        cargo build --lib
    fi
}
step "cargo build ($profile)" build_lib || true

so="$root/target/$profile/libxbar.so"
if [ ! -f "$so" ]; then
    echo "tests/c/run.sh: $so was not built" >&2
    exit 1
fi
# The library's SONAME is libxbar.so.<major>: give the loader that name too.
major="$(sed -n 's/^version *= *"\([0-9]*\)\..*/\1/p' Cargo.toml | head -n1)"
ln -sf "$so" "$out/lib/libxbar.so"
ln -sf "$so" "$out/lib/libxbar.so.$major"

tests=(test_api test_bad_inputs test_introspect test_aihwkit)
compile_c() { # compile_c TEST
    gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -g -O1 -pthread -Iinclude \
        "tests/c/$1.c" -o "$out/$1" -L"$out/lib" -lxbar -lm \
        -Wl,-rpath,"$out/lib"
}
run_test() { # run_test TEST
    RUST_BACKTRACE=0 "$out/$1"
}
run_valgrind() { # run_valgrind TEST
    local log="$out/valgrind-$1.log"
    RUST_BACKTRACE=0 valgrind --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --log-file="$log" "$out/$1" >/dev/null
    local rc=$?
    grep -E "ERROR SUMMARY|definitely lost|indirectly lost" "$log" | sed 's/^==[0-9]*== *//'
    if ! grep -q "ERROR SUMMARY: 0 errors" "$log"; then
        echo "valgrind found errors; see $log"
        return 1
    fi
    [ $rc -eq 0 ] || echo "(valgrind clean; exit status $rc comes from failing test checks)"
    return $rc
}
for t in "${tests[@]}"; do
    rm -f "$out/$t"
    step "compile tests/c/$t.c (gcc -std=c11 -Wall -Wextra -Wpedantic -Werror)" compile_c "$t"
    [ -x "$out/$t" ] || continue
    step "run $t" run_test "$t"
    if [ "${XBAR_C_NO_VALGRIND:-0}" = 1 ]; then
        results+=("SKIPPED valgrind run of $t (XBAR_C_NO_VALGRIND=1)")
    elif command -v valgrind >/dev/null; then
        step "run $t under valgrind" run_valgrind "$t"
    else
        echo "SKIPPED: valgrind run of $t (valgrind missing)"
        results+=("SKIPPED valgrind run of $t (valgrind missing)")
        [ "${CI:-}" = true ] && status=1
    fi
done

# Saving and restoring cores: tests/c/test_persist.c.
run_persist() {
    gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -g -O1 -Iinclude tests/c/test_persist.c \
        -o "$out/test_persist" -L"$out/lib" -lxbar -Wl,-rpath,"$out/lib" && RUST_BACKTRACE=0 "$out/test_persist"
}
step "compile and run tests/c/test_persist.c (save, load, serialize, deserialize)" run_persist

compile_cxx() {
    printf '#include "xbar.h"\n#include "xbar.h"\nint main() { return xbar_version_number() == XBAR_VERSION_NUMBER ? 0 : 1; }\n' |
        g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -Iinclude -x c++ - \
            -o "$out/include_cxx" -L"$out/lib" -lxbar -Wl,-rpath,"$out/lib" &&
        "$out/include_cxx"
}
step "include xbar.h from C++17 (g++ -Wall -Wextra -Werror)" compile_cxx

symbols_match() {
    local exported declared
    exported="$(nm -D --defined-only "$so" | awk '$2 == "T" && $3 ~ /^xbar_/ {print $3}' | sort)"
    declared="$(grep -oE '\bxbar_[a-z0-9_]+\(' include/xbar.h | tr -d '(' | sort -u)"
    if [ "$exported" = "$declared" ]; then
        echo "$(echo "$exported" | wc -l) functions, exported == declared"
    else
        echo "exported (<) and declared (>) differ:"
        diff <(echo "$exported") <(echo "$declared")
        return 1
    fi
}
step "exported symbols == header declarations" symbols_match

echo "=== summary (tests/c)"
printf '  %s\n' "${results[@]}"
exit $status
