#!/usr/bin/env bash
# The single command that runs every test suite of xbar:
#   cargo test --all-targets, cargo test --doc, cargo clippy --all-targets -- -D warnings,
#   cargo fmt --check, and the C API suite (tests/c/run.sh: C11 test, valgrind, C++ include,
#   exported symbols).
# Missing system tools (gcc, g++, valgrind) are installed with apt-get when this runs as root
# (or with passwordless sudo); otherwise the suite that needs them prints a loud
# "SKIPPED: <suite> (<tool> missing)" line and the run goes on. Under CI=true a missing
# tool is a failure. Exits non-zero if any suite failed; prints a summary at the end.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ci="${CI:-false}"

failures=0
summary=()
record() { # record STATUS SUITE
    summary+=("$(printf '%-8s %s' "$1" "$2")")
    [ "$1" = FAILED ] && failures=$((failures + 1))
    return 0
}
skip() { # skip SUITE TOOL
    echo
    echo "!!!!!!!! SKIPPED: $1 ($2 missing) !!!!!!!!"
    echo
    if [ "$ci" = true ]; then
        record FAILED "$1 ($2 missing, CI=true)"
    else
        record SKIPPED "$1 ($2 missing)"
    fi
}
suite() { # suite NAME COMMAND...
    local name="$1"
    shift
    echo
    echo "======== $name"
    if "$@"; then
        record ok "$name"
    else
        record FAILED "$name"
    fi
}

# ---- system packages: install what is missing, once, when we can
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}
missing=()
for tool in gcc:gcc g++:g++ valgrind:valgrind nm:binutils; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
    echo "installing missing packages: ${missing[*]}"
    as_root apt-get update &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" ||
        echo "could not install ${missing[*]} (not root, or no network)"
fi

# ---- Rust
if command -v cargo >/dev/null; then
    suite "cargo test --all-targets" cargo test --all-targets
    suite "cargo test --doc" cargo test --doc
    if cargo clippy --version >/dev/null 2>&1; then
        suite "cargo clippy --all-targets -- -D warnings" cargo clippy --all-targets -- -D warnings
    else
        skip "cargo clippy" "clippy"
    fi
    if cargo fmt --version >/dev/null 2>&1; then
        suite "cargo fmt --check" cargo fmt --check
    else
        skip "cargo fmt --check" "rustfmt"
    fi
else
    skip "all Rust suites" "cargo"
fi

# ---- C API
c_tools_ok=1
for tool in cargo gcc g++ nm; do
    if ! command -v "$tool" >/dev/null; then
        skip "C API suite (tests/c/run.sh)" "$tool"
        c_tools_ok=0
        break
    fi
done
if [ $c_tools_ok = 1 ]; then
    if ! command -v valgrind >/dev/null; then
        # run.sh runs everything else and reports the valgrind run as skipped.
        skip "valgrind run of the C API test" "valgrind"
    fi
    suite "C API suite (tests/c/run.sh)" bash tests/c/run.sh
fi

echo
echo "======== summary"
printf '  %s\n' "${summary[@]}"
if [ $failures -gt 0 ]; then
    echo "$failures suite(s) FAILED"
    exit 1
fi
echo "all suites passed"
