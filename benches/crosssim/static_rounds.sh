#!/usr/bin/env bash
# CrossSim and xbar side by side on the static-matrix cases of benches/static_mvm.rs
# (1024 x 1024, batch 256 and 1024): ROUNDS alternating rounds of
# (CrossSim: time_crosssim.py s_ideal s_dac_adc s_bitsliced; xbar: the same cases
# of the criterion bench), each printing its median per call.
#
#   CROSSSIM_PATH=/path/to/cross-sim PYTHON=/path/to/venv/bin/python \
#       benches/crosssim/static_rounds.sh [ROUNDS]
#
# CrossSim runs with NumPy's BLAS at its default thread count (both cores here);
# xbar with its own pool at its default (all cores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rounds="${1:-3}"
python="${PYTHON:-python3}"
: "${CROSSSIM_PATH:?point CROSSSIM_PATH at a CrossSim 3.2 checkout}"
cargo bench --bench static_mvm --no-run >/dev/null 2>&1
for round in $(seq "$rounds"); do
    for batch in 256 1024; do
        echo "== round $round, batch $batch"
        BATCH=$batch REPEATS=7 "$python" benches/crosssim/time_crosssim.py s_ideal s_dac_adc s_bitsliced |
            sed 's/^/crosssim /'
        cargo bench --bench static_mvm -- --warm-up-time 1 --measurement-time 4 \
            "1024x1024_batch$batch/gemm/" 2>&1 |
            awk '/^1024x1024/ {name=$1} /time:/ && name {print "xbar " name ": " $4 " " $5; name=""}'
    done
done
