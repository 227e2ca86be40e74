#!/usr/bin/env bash
# The MPI check: builds examples/mpi/sweep.c with mpicc against
# target/release/libxbar.so, runs the Monte-Carlo sweep on 2 ranks, on 3 ranks
# and as a single process with the same seeds, and checks that rank 0's
# gathered results (mean and std per ADC resolution, printed as hexadecimal
# floats) are identical bit for bit, and that the seeds matter (std > 0).
#
#   bash tests/mpi/run.sh        # needs mpicc and mpirun (Debian: openmpi-bin libopenmpi-dev)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="$root/target/mpi"
mkdir -p "$out/lib"

cargo build --release --lib
so="$root/target/release/libxbar.so"
# The library's SONAME is libxbar.so.<major>: give the loader that name too.
major="$(sed -n 's/^version *= *"\([0-9]*\)\..*/\1/p' Cargo.toml | head -n1)"
ln -sf "$so" "$out/lib/libxbar.so"
ln -sf "$so" "$out/lib/libxbar.so.$major"

mpicc -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 -Iinclude examples/mpi/sweep.c \
    -o "$out/sweep" -L"$out/lib" -lxbar -lm -Wl,-rpath,"$out/lib"

launcher=(mpirun --oversubscribe)
# Open MPI refuses to start as root unless told that this is intended (CI runs as root).
if [ "$(id -u)" = 0 ]; then
    launcher+=(--allow-run-as-root)
fi
args=(--seeds 12 --bits 3 8)
for np in 2 3 1; do
    echo "--- mpirun -np $np"
    "${launcher[@]}" -np "$np" "$out/sweep" "${args[@]}" | tee "$out/np$np.txt"
done

# Rank 0's table without its comment lines (which state the rank count and time).
table() { grep -v '^#' "$out/np$1.txt"; }
lines="$(table 1 | wc -l)"
if [ "$lines" -ne 6 ]; then
    echo "FAILED: expected 6 result lines (ADC 3..8 bits) from the single-process run, got $lines" >&2
    exit 1
fi
if table 1 | awk '{ print $5 }' | grep -qx '0x0p+0'; then
    echo "FAILED: a standard deviation over seeds is exactly 0: the seeds do not matter" >&2
    exit 1
fi
for np in 2 3; do
    if ! diff <(table 1) <(table "$np"); then
        echo "FAILED: the $np-rank sweep differs from the single-process run" >&2
        exit 1
    fi
done
echo "ok: 2-rank and 3-rank sweeps equal the single-process run bit for bit ($lines ADC resolutions x 12 seeds)"
