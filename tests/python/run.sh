#!/usr/bin/env bash
# The Python package's suite: creates (or reuses) a virtual environment in
# target/python-venv, installs numpy, pytest and the build tools into it,
# installs bindings/python from this checkout (which runs cargo build --release
# --lib into the repository's own target/, so an up-to-date library is not
# compiled again), and runs the pytest suite bindings/python/tests.
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
    "$python" -m venv "$venv" 2>/dev/null || { rm -rf "$venv"; skipped "python3 venv module (python3-venv) missing"; }
fi
py="$venv/bin/python"

"$py" -m pip install --quiet --disable-pip-version-check numpy pytest setuptools wheel
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

cd "$root/bindings/python"
XBAR_REPO="$root" "$py" -m pytest -p no:cacheprovider -q tests "$@"
