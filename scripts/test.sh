#!/usr/bin/env bash
# The single command that runs every test suite of xbar:
#   cargo test --all-targets, cargo test --doc, cargo clippy --all-targets -- -D warnings,
#   cargo fmt --check, the C API suite (tests/c/run.sh: C11 test, valgrind, C++ include,
#   exported symbols), the sanitizer suite (tests/c/sanitizers.sh: the C tests and the C++
#   bindings' tests built with clang under ASan + UBSan), and the binding suites (tests/bindings/):
#     packaging.sh  scripts/install.sh into a temporary prefix; CMake find_package and
#                   pkg-config consumers built and run
#     cpp.sh        C reference case; C++ bindings' tests (C++17 and C++20, -Werror, valgrind);
#                   README C++ example
#     julia.sh      static check of the Julia package (tree-sitter: parse + @ccall vs header),
#                   the checker's self-test; runtests.jl only when a julia is on the PATH
#     octave.sh     MEX build with mkoctfile and the Octave test suite (octave-cli)
#   then the main job (cargo run --release --example digits -- --quick: table, CSV and PNG),
#   the in-situ training example (cargo run --release --example train: exits 1 unless the
#   ideal update model reaches the floating-point accuracy),
#   the plain C example (examples/c/mvm.c, built by the README's command), the main job through
#   the C API (tests/c/digits.sh: examples/c/digits.c gives the Rust example's digits.csv bit for
#   bit; valgrind), the MPI check
#   (tests/mpi/run.sh: examples/mpi/sweep.c on 2 and 3 ranks equals one process bit for bit),
#   and the fuzz targets (tests/fuzz/run.sh: cargo fuzz, FUZZ_SECONDS each, default 60; cargo-fuzz
#   is installed with cargo install when this runs as root or under CI).
# Missing system tools (gcc, g++, valgrind, cmake, pkg-config, octave, liboctave-dev,
# openmpi-bin, libopenmpi-dev, clang, libclang-rt-14-dev) and
# Python packages (tree-sitter, tree-sitter-julia, tree-sitter-c) are installed with
# apt-get / pip when this runs as root (or with passwordless sudo); otherwise the suite
# that needs them prints a loud "SKIPPED: <suite> (<tool> missing)" line and the run goes
# on. Under CI=true a missing tool is a failure. Exits non-zero if any suite failed;
# prints a summary at the end, with each suite's duration.
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
    local name="$1" start=$SECONDS
    shift
    echo
    echo "======== $name"
    if "$@"; then
        record ok "$name ($((SECONDS - start)) s)"
    else
        record FAILED "$name ($((SECONDS - start)) s)"
    fi
}
need() { # need TOOL...: prints the first missing tool, fails if one is missing
    local tool
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null; then
            echo "$tool"
            return 1
        fi
    done
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
for tool in gcc:gcc g++:g++ valgrind:valgrind nm:binutils readelf:binutils cmake:cmake ngspice:ngspice \
    pkg-config:pkg-config octave-cli:octave mkoctfile:liboctave-dev python3:python3; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
# Open MPI for the MPI sweep: mpicc and mpirun (openmpi-bin) and mpi.h (libopenmpi-dev).
mpi_ok() {
    command -v mpicc >/dev/null && command -v mpirun >/dev/null &&
        echo '#include <mpi.h>' | mpicc -x c -E - >/dev/null 2>&1
}
mpi_ok || missing+=(openmpi-bin libopenmpi-dev)
# clang with its ASan/UBSan runtimes for the sanitizer suite.
san_ok() {
    local exe
    exe="$(mktemp)" && echo 'int main(void) { return 0; }' |
        clang -x c -fsanitize=address,undefined - -o "$exe" 2>/dev/null && "$exe"
    local rc=$?
    rm -f "$exe"
    return $rc
}
san_ok || missing+=(clang libclang-rt-14-dev)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "installing missing packages: ${missing[*]}"
    as_root apt-get update &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" ||
        echo "could not install ${missing[*]} (not root, or no network)"
fi

# ---- Python packages of the Julia static check (pinned: the checker walks their syntax trees)
py_packages=(tree-sitter==0.26.1 tree-sitter-julia==0.23.1 tree-sitter-c==0.24.2)
py_ok() { python3 -c 'import tree_sitter, tree_sitter_julia, tree_sitter_c' 2>/dev/null; }
if command -v python3 >/dev/null && ! py_ok; then
    if [ "$(id -u)" = 0 ] || [ "$ci" = true ]; then
        echo "installing Python packages: ${py_packages[*]}"
        python3 -m pip --version >/dev/null 2>&1 ||
            { command -v apt-get >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-pip; }
        python3 -m pip install --quiet "${py_packages[@]}" ||
            python3 -m pip install --quiet --break-system-packages "${py_packages[@]}" ||
            echo "could not install ${py_packages[*]}"
    fi
fi

# ---- NVRTC (CUDA 13 runtime compiler from the nvidia-cuda-nvrtc wheel) for tests/gpu_kernels.rs,
# which compiles every kernel to PTX without a GPU; only its own lib folder goes on the path.
nvrtc_dir="$(python3 -c 'import glob, os, nvidia
print(next(d for p in nvidia.__path__ for d in sorted(glob.glob(os.path.join(p, "*", "lib")))
           if os.path.exists(os.path.join(d, "libnvrtc.so.13"))))' 2>/dev/null)"
if [ -n "$nvrtc_dir" ]; then
    export LD_LIBRARY_PATH="$nvrtc_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
    echo "!!!!!!!! libnvrtc.so.13 not found (pip install \"nvidia-cuda-nvrtc==13.0.*\"): tests/gpu_kernels.rs will skip (fail under CI=true) !!!!!!!!"
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

# ---- the C and C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer
if ! tool="$(need cargo clang clang++)"; then
    skip "ASan+UBSan suite (tests/c/sanitizers.sh)" "$tool"
elif ! san_ok; then
    skip "ASan+UBSan suite (tests/c/sanitizers.sh)" "clang sanitizer runtimes (libclang-rt-14-dev)"
else
    suite "C and C++ tests under ASan+UBSan with clang (tests/c/sanitizers.sh)" bash tests/c/sanitizers.sh
fi

# ---- bindings and packaging (tests/bindings/)
if tool="$(need cargo g++ cmake pkg-config readelf)"; then
    suite "packaging: install.sh, CMake find_package + pkg-config consumers (tests/bindings/packaging.sh)" \
        bash tests/bindings/packaging.sh
else
    skip "packaging suite (tests/bindings/packaging.sh)" "$tool"
fi
if tool="$(need cargo gcc g++)"; then
    if ! command -v valgrind >/dev/null; then
        skip "valgrind run of the C++ bindings' tests" "valgrind"
    fi
    suite "C/C++ bindings: reference case, C++17/C++20 tests, README example (tests/bindings/cpp.sh)" \
        bash tests/bindings/cpp.sh
else
    skip "C/C++ bindings suite (tests/bindings/cpp.sh)" "$tool"
fi
if ! command -v python3 >/dev/null; then
    skip "Julia bindings static check (tests/bindings/julia.sh)" "python3"
elif ! py_ok; then
    skip "Julia bindings static check (tests/bindings/julia.sh)" "python packages ${py_packages[*]}"
else
    if command -v julia >/dev/null; then
        julia_name="Julia bindings: static check + runtests.jl (tests/bindings/julia.sh)"
    else
        julia_name="Julia bindings: STATIC check only, no julia here (tests/bindings/julia.sh)"
    fi
    suite "$julia_name" bash tests/bindings/julia.sh
fi
if tool="$(need cargo octave-cli mkoctfile)"; then
    suite "MATLAB/Octave bindings: MEX build + octave-cli tests (tests/bindings/octave.sh)" \
        bash tests/bindings/octave.sh
else
    skip "MATLAB/Octave bindings suite (tests/bindings/octave.sh)" "$tool"
fi

# ---- examples: the README's main job and its plain C example
if command -v cargo >/dev/null; then
    suite "main job: cargo run --release --example digits -- --quick (table, CSV, PNG)" bash -c '
        rm -rf target/digits-quick &&
        cargo run --release --example digits -- --quick --out target/digits-quick &&
        test -s target/digits-quick/digits.csv &&
        head -c 8 target/digits-quick/digits.png | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a"'
else
    skip "main job (examples/digits)" "cargo"
fi
if command -v cargo >/dev/null; then
    suite "in-situ training: cargo run --release --example train (the ideal model reaches floating point)" \
        cargo run --release --example train
else
    skip "in-situ training example (examples/train.rs)" "cargo"
fi
if tool="$(need cargo cc)"; then
    suite "C example: examples/c/mvm.c built by the README command" bash -c '
        cargo build --release --lib &&
        cc -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 -Iinclude examples/c/mvm.c target/release/libxbar.a \
            -lm -lpthread -ldl -o target/mvm &&
        target/mvm'
else
    skip "C example (examples/c/mvm.c)" "$tool"
fi
if tool="$(need cargo gcc gzip)"; then
    suite "main job through the C API: examples/c/digits.c gives the Rust example's numbers bit for bit, valgrind (tests/c/digits.sh)" \
        bash tests/c/digits.sh
else
    skip "main job through the C API (tests/c/digits.sh)" "$tool"
fi

# ---- MPI: the Monte-Carlo sweep on 2 and 3 ranks equals the single-process run bit for bit
if ! command -v cargo >/dev/null; then
    skip "MPI sweep (tests/mpi/run.sh)" "cargo"
elif mpi_ok; then
    suite "MPI sweep: mpirun -np 2 / -np 3 vs one process, bit for bit (tests/mpi/run.sh)" bash tests/mpi/run.sh
else
    skip "MPI sweep (tests/mpi/run.sh)" "Open MPI (mpicc, mpirun, mpi.h: openmpi-bin libopenmpi-dev)"
fi

# ---- fuzzing: each cargo-fuzz target of fuzz/ for FUZZ_SECONDS (default 60) from its seed corpus
if command -v cargo >/dev/null && ! cargo fuzz --help >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ "$ci" = true ]; }; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked || echo "could not install cargo-fuzz"
fi
if ! command -v cargo >/dev/null; then
    skip "fuzzing (tests/fuzz/run.sh)" "cargo"
elif tool="$(need c++)" && cargo fuzz --help >/dev/null 2>&1; then
    suite "fuzzing: every target ${FUZZ_SECONDS:-60} s from fuzz/corpus, sanitizer ${FUZZ_SANITIZER:-address} (tests/fuzz/run.sh)" bash tests/fuzz/run.sh
else
    skip "fuzzing (tests/fuzz/run.sh)" "${tool:-cargo-fuzz (cargo install cargo-fuzz --locked)}"
fi

echo
echo "======== summary"
printf '  %s\n' "${summary[@]}"
if [ $failures -gt 0 ]; then
    echo "$failures suite(s) FAILED"
    exit 1
fi
echo "all suites passed"
