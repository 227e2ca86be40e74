#!/usr/bin/env bash
# Runs the test suites of xbar. Two modes:
#
#   scripts/test.sh --quick   for people: every suite below, with a fuzz smoke (a few seconds
#                             per target, no sanitizer, unoptimised build) instead of the long
#                             fuzzing, and without the slowest valgrind run (the whole main job
#                             through the C API under valgrind). Under 10 minutes on 2 cores.
#   scripts/test.sh [--full]  what CI runs (.ci/run): everything, fuzzing FUZZ_SECONDS (default 60)
#                             per target under AddressSanitizer. About 30 minutes on 2 cores.
#
# The suites: one build per profile (after `cargo build --release`, the tests, examples and
# benches reuse the same compiled xbar library: no dependency gets other features from the
# dev-dependencies), cargo test --release --all-targets, cargo test --release --doc, the GPU
# backend's agreement and conformance tests on the emulated device (XBAR_GPU_EMULATE=1),
# cargo clippy --all-targets -- -D warnings, cargo fmt --check, the C API suite (tests/c/run.sh:
# C11 test, valgrind, C++ include, exported symbols), the sanitizer suite (tests/c/sanitizers.sh:
# the C tests and the C++ bindings' tests built with clang under ASan + UBSan), the binding
# suites (tests/bindings/):
#     packaging.sh  scripts/install.sh into a temporary prefix; CMake find_package and
#                   pkg-config consumers built and run; README.md's install and link lines run
#                   as written for a prefix that is not a system one
#     cpp.sh        C reference case; C++ bindings' tests (C++17 and C++20, -Werror, valgrind);
#                   README C++ example
#     julia.sh      static check of the Julia package (tree-sitter: parse + @ccall vs header),
#                   the checker's self-test; runtests.jl only when a julia is on the PATH
#     octave.sh     MEX build with mkoctfile and the Octave test suite (octave-cli)
# the Python package (tests/python/run.sh, when present), then the main job (cargo run --release
# --example digits -- --quick: table, CSV and PNG), the in-situ training example (cargo run
# --release --example train: exits 1 unless the ideal update model reaches the floating-point
# accuracy), the plain C example (examples/c/mvm.c, built by the README's command), the main job
# through the C API (tests/c/digits.sh: examples/c/digits.c gives the Rust example's digits.csv
# bit for bit; valgrind in full mode), the MPI check (tests/mpi/run.sh: examples/mpi/sweep.c on
# 2 and 3 ranks equals one process bit for bit), the fuzz targets (tests/fuzz/run.sh), and last a
# check that the run left the git tree clean (`git status --porcelain` prints nothing).
#
# What it installs when it runs as root (or with passwordless sudo), both modes alike:
#   - system packages that are missing, with apt-get install --no-install-recommends:
#     gcc g++ libc6-dev make valgrind binutils cmake pkg-config ngspice octave liboctave-dev
#     openmpi-bin libopenmpi-dev clang libclang-rt-14-dev python3 python3-venv (about 180 packages, 138 MB to download)
#   - cargo-fuzz (cargo install cargo-fuzz --locked), and rustup's clippy and rustfmt;
# and, as any user, a Python virtual environment target/test-venv (never the system Python)
# with the tree-sitter packages of the Julia check and the NVRTC wheel (nvidia-cuda-nvrtc 13.0)
# whose libnvrtc.so.13 tests/gpu_kernels.rs compiles every CUDA kernel with (no GPU needed).
# Without root a missing tool makes its suite print a loud "SKIPPED: <suite> (<tool> missing)"
# line and the run goes on. Under CI=true a missing tool is a failure. The summary at the end
# lists each suite with its duration, and every suite that was skipped or degraded, and why.
# Exits non-zero if any suite failed. Each suite's output is also in target/test-logs/.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ci="${CI:-false}"
mode=full
case "${1:-}" in
    --quick) mode=quick ;;
    --full | "") mode=full ;;
    *)
        echo "usage: scripts/test.sh [--quick | --full]" >&2
        exit 2
        ;;
esac
run_start=$SECONDS
logs="$root/target/test-logs"
mkdir -p "$logs"

failures=0
summary=()
degraded=()
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
degrade() { # degrade WHAT WHY: a suite ran, but without WHAT
    degraded+=("$1: $2")
}
suite() { # suite NAME COMMAND...: runs a suite, its output also in target/test-logs/
    local name="$1" start=$SECONDS log rc line
    shift
    log="$logs/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-60).log"
    echo
    echo "======== $name"
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    if [ "$rc" = 0 ]; then
        record ok "$name ($((SECONDS - start)) s)"
    else
        record FAILED "$name ($((SECONDS - start)) s)"
    fi
    # Parts a suite skipped (it prints "SKIPPED: ..." or "NOTE: ...") go to the summary too.
    while IFS= read -r line; do
        degrade "$name" "$line"
    done < <(grep -E 'SKIPPED|^NOTE:' "$log" | sed -e 's/!!!!!!!! *//g' -e 's/^ *//' | sort -u | head -n 8)
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
for tool in gcc:gcc g++:g++ valgrind:valgrind nm:binutils readelf:binutils cmake:cmake make:make ngspice:ngspice \
    pkg-config:pkg-config octave-cli:octave mkoctfile:liboctave-dev python3:python3; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
# The C library's headers (a recommendation of gcc, so not pulled in without recommends).
[ -f /usr/include/stdio.h ] || missing+=(libc6-dev)
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
# The Python virtual environment needs the venv module (python3-venv on Debian).
venv_ok() {
    local d
    d="$(mktemp -d)" && python3 -m venv "$d/v" >/dev/null 2>&1
    local rc=$?
    rm -rf "$d"
    return $rc
}
command -v python3 >/dev/null && ! venv_ok && missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "installing missing packages (apt-get, --no-install-recommends): ${missing[*]}"
    apt_start=$SECONDS
    if as_root apt-get update -qq &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
        record ok "apt-get install --no-install-recommends ${missing[*]} ($((SECONDS - apt_start)) s)"
    else
        echo "could not install ${missing[*]} (not root, or no network)"
    fi
fi

# ---- Python: a virtual environment under target/ (never the system Python) with the pinned
# tree-sitter packages of the Julia static check (the checker walks their syntax trees) and the
# NVRTC wheel (CUDA 13's runtime compiler) for tests/gpu_kernels.rs.
venv="$root/target/test-venv"
py_packages=(tree-sitter==0.26.1 tree-sitter-julia==0.23.1 tree-sitter-c==0.24.2 "nvidia-cuda-nvrtc==13.0.*")
py_ok() { "$venv/bin/python" -c 'import tree_sitter, tree_sitter_julia, tree_sitter_c' 2>/dev/null; }
nvrtc_find() {
    "$venv/bin/python" -c 'import glob, os, nvidia
print(next(d for p in nvidia.__path__ for d in sorted(glob.glob(os.path.join(p, "*", "lib")))
           if os.path.exists(os.path.join(d, "libnvrtc.so.13"))))' 2>/dev/null
}
if command -v python3 >/dev/null && { ! py_ok || [ -z "$(nvrtc_find)" ]; }; then
    echo "installing Python packages into target/test-venv: ${py_packages[*]}"
    pip_start=$SECONDS
    if { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } &&
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${py_packages[@]}"; then
        record ok "pip install into target/test-venv ($((SECONDS - pip_start)) s)"
    else
        echo "could not install ${py_packages[*]} into target/test-venv"
    fi
fi
[ -x "$venv/bin/python" ] && export PATH="$venv/bin:$PATH"

# ---- NVRTC (libnvrtc.so.13 from the nvidia-cuda-nvrtc wheel) for tests/gpu_kernels.rs, which
# compiles every kernel to PTX without a GPU; only its own lib folder goes on the path.
nvrtc_dir="$(nvrtc_find)"
if [ -n "$nvrtc_dir" ]; then
    export LD_LIBRARY_PATH="$nvrtc_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
    echo "!!!!!!!! libnvrtc.so.13 not found (nvidia-cuda-nvrtc==13.0.* in target/test-venv): tests/gpu_kernels.rs will skip (fail under CI=true) !!!!!!!!"
    degrade "tests/gpu_kernels.rs (CUDA kernels compiled to PTX)" "skipped: libnvrtc.so.13 missing (pip install into target/test-venv failed)"
fi
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
    degrade "tests/gpu_backend.rs (GPU against CPU)" "on the emulated device only: no CUDA GPU here (scripts/gpu-check.sh runs them on a GPU machine)"
fi
if [ ! -d "$root/../shared/data" ]; then
    degrade "tests/lookup_table.rs (measured tables)" "skipped: ../shared/data absent"
fi
command -v ngspice >/dev/null ||
    degrade "tests/parasitics.rs (solver against SPICE)" "skipped: ngspice missing"

# ---- Rust: one compiled library per profile, then the tests in the release profile
one_build() {
    # `cargo build --release` and `cargo test --release --all-targets` must compile the same
    # xbar library: the second finds it fresh, and every dependency artifact of the first
    # (file names carry cargo's hash of the crate's features) is the one the second uses.
    cargo build --release --message-format=json >"$logs/one-build-lib.json" &&
        cargo test --release --all-targets --no-run --message-format=json >"$logs/one-build-all.json" &&
        python3 - "$logs/one-build-lib.json" "$logs/one-build-all.json" <<'EOF'
import json, sys

def artifacts(path):
    out = {}
    for line in open(path):
        if not line.startswith("{"):
            continue
        m = json.loads(line)
        if m.get("reason") == "compiler-artifact" and not m["profile"]["test"]:
            out.setdefault(m["package_id"], []).append(m)
    return out

lib, everything = artifacts(sys.argv[1]), artifacts(sys.argv[2])
bad = []
for pid, arts in lib.items():
    if pid.startswith("path+"):  # xbar itself: its library is checked below
        continue
    names = {f for b in everything.get(pid, []) for f in b["filenames"]}
    bad += [f"{a['target']['name']}: {f} (features {a['features']})"
            for a in arts for f in a["filenames"] if f not in names]
ours = [a for pid, arts in everything.items() if pid.startswith("path+")
        for a in arts if "rlib" in a["target"]["kind"]]
if not ours:
    bad.append("the xbar library is not part of the second build")
bad += ["the xbar library was compiled again for the tests and examples" for a in ours if not a["fresh"]]
if bad:
    print("a second build of shared crates (a dev-dependency switches on other features; see Cargo.toml):")
    print("\n".join("  " + b for b in bad[:20]))
    sys.exit(1)
print(f"one build: the tests, examples and benches reuse the xbar library and all "
      f"{sum(len(v) for v in lib.values())} artifacts of `cargo build --release`")
EOF
}
if command -v cargo >/dev/null; then
    if command -v python3 >/dev/null; then
        suite "one build per profile: cargo build --release, then the tests and examples compile no xbar library again" one_build
    else
        skip "one build per profile check" "python3"
    fi
    suite "cargo test --release --all-targets" cargo test --release --all-targets
    suite "cargo test --release --doc" cargo test --release --doc
    # The API documentation: every public item documented (#![deny(missing_docs)]), no broken
    # or private intra-doc links.
    suite "cargo doc --no-deps with RUSTDOCFLAGS=-D warnings" env RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
    # The GPU backend's whole path on the emulated device (src/gpu/emulated.rs: the kernel
    # sources compiled for the host with g++); a real GPU runs the same tests in scripts/gpu-check.sh.
    suite "GPU backend on the emulated device: XBAR_GPU_EMULATE=1 cargo test --release --test gpu_backend --test conformance --test conformance_stats --test backend_seam" \
        env XBAR_GPU_EMULATE=1 XBAR_GPU_EMULATE_DIR="$root/target/gpu-emulate" \
        cargo test --release --test gpu_backend --test conformance --test conformance_stats --test backend_seam
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

# ---- the Python package: its runner makes its own virtual environment (target/python-venv), prints
# SKIPPED and exits 0 when it cannot run here, and fails under CI=true
if [ -f tests/python/run.sh ]; then
    suite "Python package (tests/python/run.sh)" bash tests/python/run.sh
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
    # The lookup-table row built from generated pulse trains needs nothing beside the repository.
    suite "in-situ training: cargo run --release --example train (the ideal model reaches floating point; a generated lookup-table row)" \
        bash -c 'set -o pipefail; cargo run --release --example train | tee target/train.out &&
            grep -E "^LookupTable soft-bounds \(generated\)( +[0-9.]+)+ " target/train.out'
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
    if [ $mode = quick ]; then
        # The valgrind run of the whole main job is the slowest valgrind run: full mode only.
        suite "main job through the C API: examples/c/digits.c gives the Rust example's numbers bit for bit (tests/c/digits.sh)" \
            env XBAR_C_NO_VALGRIND=1 bash tests/c/digits.sh
        degrade "tests/c/digits.sh" "valgrind run of the C main job not run (--quick; scripts/test.sh --full runs it)"
    else
        suite "main job through the C API: examples/c/digits.c gives the Rust example's numbers bit for bit, valgrind (tests/c/digits.sh)" \
            bash tests/c/digits.sh
    fi
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

# ---- fuzzing: each cargo-fuzz target of fuzz/ from its seed corpus; --full: FUZZ_SECONDS (default
# 60) each under AddressSanitizer; --quick: a smoke of FUZZ_SECONDS (default 5) each, unoptimised
# and without sanitizer (the build is the expensive part)
if [ $mode = quick ]; then
    export FUZZ_SECONDS="${FUZZ_SECONDS:-5}" FUZZ_SANITIZER="${FUZZ_SANITIZER:-none}" FUZZ_PROFILE="${FUZZ_PROFILE:-dev}"
else
    export FUZZ_SECONDS="${FUZZ_SECONDS:-60}" FUZZ_SANITIZER="${FUZZ_SANITIZER:-address}" FUZZ_PROFILE="${FUZZ_PROFILE:-release}"
fi
if command -v cargo >/dev/null && ! cargo fuzz --help >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ "$ci" = true ]; }; then
    echo "installing cargo-fuzz"
    fuzz_start=$SECONDS
    if cargo install cargo-fuzz --locked; then
        record ok "cargo install cargo-fuzz --locked ($((SECONDS - fuzz_start)) s)"
    else
        echo "could not install cargo-fuzz"
    fi
fi
if ! command -v cargo >/dev/null; then
    skip "fuzzing (tests/fuzz/run.sh)" "cargo"
elif tool="$(need c++)" && cargo fuzz --help >/dev/null 2>&1; then
    suite "fuzzing: every target $FUZZ_SECONDS s from fuzz/corpus, sanitizer $FUZZ_SANITIZER, $FUZZ_PROFILE build (tests/fuzz/run.sh)" \
        bash tests/fuzz/run.sh
    [ $mode = quick ] && degrade "fuzzing" "a ${FUZZ_SECONDS} s smoke per target without sanitizer (--quick; scripts/test.sh --full fuzzes 60 s each under ASan)"
else
    skip "fuzzing (tests/fuzz/run.sh)" "${tool:-cargo-fuzz (cargo install cargo-fuzz --locked)}"
fi

# ---- the run leaves the tree as it found it: no new, changed or deleted files outside ignored folders
tree_clean() {
    local changes
    changes="$(git -C "$root" status --porcelain)" || return 1
    if [ -n "$changes" ]; then
        echo "git status --porcelain after the run (each line: a file the run left changed or untracked):"
        printf '%s\n' "$changes"
        return 1
    fi
    echo "git status --porcelain: nothing"
}
if command -v git >/dev/null && git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    suite "the tree is clean afterwards (git status --porcelain)" tree_clean
else
    degrade "clean-tree check" "not a git checkout"
fi

echo
echo "======== summary ($mode mode, $(((SECONDS - run_start) / 60)) min $(((SECONDS - run_start) % 60)) s; logs in target/test-logs/)"
printf '  %s\n' "${summary[@]}"
if [ ${#degraded[@]} -gt 0 ]; then
    echo "  skipped or degraded parts (the suite itself ran):"
    printf '    - %s\n' "${degraded[@]}"
fi
if [ $failures -gt 0 ]; then
    echo "$failures suite(s) FAILED"
    exit 1
fi
echo "all suites passed"
