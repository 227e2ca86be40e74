#!/usr/bin/env bash
# C and C++ suite of the bindings: installs xbar into a temporary prefix, then
#   - the C leg of the cross-language case (tests/bindings/c/reference_case.c,
#     gcc -std=c11 -Wall -Wextra -Wpedantic -Werror): bit-identical to the reference;
#   - the C++ bindings' tests (tests/bindings/cpp/test_xbar.cpp) compiled with
#     -std=c++17 and -std=c++20 (-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror)
#     and run, then run once more under valgrind (when installed);
#   - the README's C++ example (bindings/cpp/example.cpp): shown verbatim in
#     README.md, compiled with -std=c++17 -Wall -Wextra -Werror and run.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
link=(-L"$prefix/lib" -lxbar -Wl,-rpath,"$prefix/lib")

step "install into a temporary prefix" install_prefix "$prefix" || { finish "C/C++ bindings"; exit 1; }

c_reference() {
    gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -O1 -I"$prefix/include" tests/bindings/c/reference_case.c \
        -o "$tmp/reference_case" "${link[@]}" && "$tmp/reference_case" "$ref"
}
step "C: cross-language reference case" c_reference

cxx_tests() { # cxx_tests STD
    g++ -std="$1" -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror -O1 -g -I"$prefix/include" \
        tests/bindings/cpp/test_xbar.cpp -o "$tmp/test_xbar_$1" "${link[@]}" &&
        RUST_BACKTRACE=0 "$tmp/test_xbar_$1" "$ref"
}
step "C++17: compile (strict warnings) and run tests/bindings/cpp/test_xbar.cpp" cxx_tests c++17
step "C++20: compile (strict warnings, std::span overloads) and run" cxx_tests c++20

cxx_valgrind() {
    if ! command -v valgrind >/dev/null; then
        echo "SKIPPED: valgrind missing"
        [ "${CI:-}" != true ]
        return
    fi
    valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --log-file="$tmp/valgrind.log" "$tmp/test_xbar_c++17" "$ref" >/dev/null
    local rc=$?
    grep -E "ERROR SUMMARY|definitely lost|indirectly lost" "$tmp/valgrind.log" | sed 's/^==[0-9]*== *//'
    [ $rc = 0 ] || cat "$tmp/valgrind.log"
    return $rc
}
step "C++17 tests under valgrind" cxx_valgrind

cxx_example() {
    readme_has_example bindings/cpp/example.cpp cpp &&
        g++ -std=c++17 -Wall -Wextra -Werror -I"$prefix/include" bindings/cpp/example.cpp -o "$tmp/example" \
            "${link[@]}" && "$tmp/example"
}
step "README C++ example: verbatim in README.md, builds, runs" cxx_example

finish "C/C++ bindings"
