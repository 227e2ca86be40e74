#!/usr/bin/env bash
# Runs the GPU agreement tests on a machine with an NVIDIA GPU, from test binaries built
# elsewhere (builds nothing): `cargo test --release --no-run --test gpu_backend --test conformance
# --test conformance_stats --test backend_seam` on the build machine, then carry
# target/release/deps/{gpu_backend,conformance,conformance_stats,backend_seam}-* and run this
# script from the repository root (the conformance cases are read from tests/conformance/).
# XBAR_REQUIRE_GPU=1 turns the tests' "no GPU" skip into a failure. Other test binaries
# should run here with CUDA_VISIBLE_DEVICES= (empty), so that "auto" keeps them on the CPU.
# Then, when a bench binary was carried too (`cargo bench --bench gpu --no-run`, then
# target/release/deps/gpu-*), the GPU bench table (benches/gpu.rs): MVM at 1024², 4096², 8192²,
# batches 1, 64, 1024, ideal / read noise + 8-bit DAC and ADC / 4 weight slices, and updates, each
# with its time, the GB/s of conductance bytes streamed, and that as a fraction of the card's
# memory bandwidth (a table of known cards below; BANDWIDTH_GBS=... overrides it); and parasitics
# (wire resistance solved on the device) at 256² batch 16 and 1024² batch 1, with their times.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
status=0
found=0
for bin in target/*/deps/gpu_backend-* target/*/deps/conformance-* target/*/deps/conformance_stats-* \
    target/*/deps/backend_seam-*; do
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
bench=""
for b in target/*/deps/gpu-*; do
    [ -x "$b" ] && [ -f "$b" ] && [[ "$b" != *.d ]] && bench="$b"
done
if [ -n "$bench" ]; then
    name="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
    case "$name" in
        *H200*) peak=4800 ;;
        *H100*NVL*) peak=3900 ;;
        *H100*PCIe*) peak=2000 ;;
        *H100*) peak=3350 ;;
        *A100*80GB*) peak=2039 ;;
        *A100*) peak=1555 ;;
        *) peak=0 ;;
    esac
    peak="${BANDWIDTH_GBS:-$peak}"
    echo "======== $bench on $name (memory bandwidth ${peak} GB/s)"
    timeout 420 "$bench" --bench --warm-up-time 1 --measurement-time 3 --noplot 2>&1 |
        tee target/gpu-bench.log |
        awk -v peak="$peak" '
            /^[0-9]+x[0-9]+_/ { name = $1 }
            /time:/ && name { split(substr($0, index($0, "[") + 1), a, " "); t = a[3] " " a[4] }
            /time:/ && name ~ /_parasitics_/ { printf "%-40s %12s (conjugate gradients, per call)\n", name, t; name = "" }
            /thrpt:/ && name {
                split(substr($0, index($0, "[") + 1), a, " "); v = a[3]; u = a[4]; gbs = v
                if (u ~ /^GiB/) gbs = v * 1.073741824; else if (u ~ /^MiB/) gbs = v * 0.001048576; else if (u ~ /^TiB/) gbs = v * 1099.511627776
                frac = peak > 0 ? sprintf("%.0f %%", 100 * gbs / peak) : "?"
                printf "%-40s %12s %10.1f GB/s %8s of peak\n", name, t, gbs, frac
                name = ""
            }
            /not on the GPU backend/ { print }'
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
else
    echo "no gpu bench binary under target/*/deps (build it with cargo bench --bench gpu --no-run)"
fi
exit $status
