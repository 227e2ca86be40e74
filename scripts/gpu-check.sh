#!/usr/bin/env bash
# Runs the GPU agreement tests on a machine with an NVIDIA GPU, from test binaries built
# elsewhere (builds nothing): `cargo test --release --no-run --test gpu_backend --test conformance`
# on the build machine, then carry target/release/deps/{gpu_backend,conformance}-* and run this
# script from the repository root (the conformance cases are read from tests/conformance/).
# XBAR_REQUIRE_GPU=1 turns the tests' "no GPU" skip into a failure. Other test binaries
# should run here with CUDA_VISIBLE_DEVICES= (empty), so that "auto" keeps them on the CPU.
# (The GPU benchmark table of the GPU issue is not part of this script yet.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
status=0
found=0
for bin in target/*/deps/gpu_backend-* target/*/deps/conformance-*; do
    [ -x "$bin" ] && [ -f "$bin" ] || continue
    found=1
    echo "======== $bin"
    [[ "$bin" == *.d ]] && continue
    XBAR_REQUIRE_GPU=1 "$bin" --test-threads=1 --nocapture || status=1
done
if [ $found = 0 ]; then
    echo "no gpu_backend test binary under target/*/deps (build it with cargo test --no-run --test gpu_backend)" >&2
    exit 1
fi
exit $status
