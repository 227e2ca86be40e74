#!/usr/bin/env bash
# The Python package's suite: creates (or reuses) a virtual environment in
# target/python-venv, installs numpy, pytest, mypy (stub check) and the build tools into it,
# installs bindings/python from this checkout (which runs cargo build --release
# --lib into the repository's own target/, so an up-to-date library is not
# compiled again), runs the pytest suite bindings/python/tests, and checks that
# examples/digits.py --quick gives the Rust example's table and CSV bit for bit.
# Never touches the system Python's packages. Exits non-zero if anything fails.
# Without python3 (or its venv module) it prints a loud SKIPPED line and exits 0,
# except under CI=true, where that is a failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
venv="$root/target/python-venv"

skipped() {
    echo
    echo "!!!!!!!! SKIPPED: Python bindings suite ($1) !!!!!!!!"
    echo
    if [ "${CI:-false}" = true ]; then
        echo "tests/python/run.sh: CI=true, so a skipped suite is a failure" >&2
        exit 1
    fi
    exit 0
}

python="${PYTHON:-python3}"
command -v "$python" >/dev/null || skipped "python3 missing"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    rm -rf "$venv"
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        rm -rf "$venv"
        # Debian ships the venv module apart: install it when we can (as scripts/test.sh
        # installs missing tools), else skip.
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null 2>&1 || true
        fi
        "$python" -m venv "$venv" 2>/dev/null || { rm -rf "$venv"; skipped "python3 venv module (python3-venv) missing"; }
    fi
fi
py="$venv/bin/python"

"$py" -m pip install --quiet --disable-pip-version-check numpy pytest mypy setuptools wheel
# The one-line install of the README, without build isolation (the build tools
# are already in this environment, so no second download per run).
"$py" -m pip install --quiet --disable-pip-version-check --no-build-isolation ./bindings/python

# Import from the installed wheel (the library it carries), not from the source tree.
"$py" - <<'PY'
import os, xbar
path = xbar.library_path()
assert "site-packages" in path and os.path.exists(path), path
print(f"xbar {xbar.version()} from {path}")
PY

(cd "$root/bindings/python" && XBAR_REPO="$root" "$py" -m pytest -p no:cacheprovider -q tests "$@")

# The main job in Python: bindings/python/examples/digits.py --quick prints the
# same table and writes the same digits.csv as the Rust example, bit for bit
# (the lines naming files and times aside). The reference is the C port
# examples/c/digits.c, which tests/c/digits.sh holds bit-identical to the Rust
# example, built here against the static library the install step just built
# (building the Rust example instead would compile the crate again, with the
# example's feature set); XBAR_PY_DIGITS_REFERENCE=rust runs the Rust example
# itself; XBAR_PY_NO_DIGITS=1 skips this step.
if [ "${XBAR_PY_NO_DIGITS:-0}" = 1 ]; then
    echo "digits.py comparison skipped (XBAR_PY_NO_DIGITS=1)"
    exit 0
fi
out="$root/target/python-digits"
rm -rf "$out"
mkdir -p "$out"
cc="$(command -v cc || command -v gcc || true)"
if [ "${XBAR_PY_DIGITS_REFERENCE:-c}" = rust ] || [ -z "$cc" ]; then
    reference="the Rust example"
    cargo run --quiet --release --example digits -- --quick --out "$out/reference" >"$out/reference.txt"
else
    reference="examples/c/digits.c (the Rust example's numbers)"
    "$cc" -std=c11 -O2 -Iinclude examples/c/digits.c target/release/libxbar.a -lm -lpthread -ldl \
        -o "$out/digits-c"
    gzip -dc examples/data/digits.csv.gz | "$out/digits-c" --quick --out "$out/reference" >"$out/reference.txt"
fi
"$py" bindings/python/examples/digits.py --quick --out "$out/python" >"$out/python.txt"
table() { grep -v -e '^wrote ' -e '^time: ' "$1"; }
if ! cmp "$out/reference/digits.csv" "$out/python/digits.csv"; then
    echo "FAILED: digits.py's digits.csv differs from that of $reference (see $out)" >&2
    exit 1
fi
if ! diff <(table "$out/reference.txt") <(table "$out/python.txt"); then
    echo "FAILED: digits.py's table differs from that of $reference (see $out)" >&2
    exit 1
fi
echo "digits.py --quick: the table and digits.csv ($(($(wc -l <"$out/python/digits.csv") - 1)) rows) of $reference, bit for bit"
