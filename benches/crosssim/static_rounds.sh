#!/usr/bin/env bash
# CrossSim and xbar side by side on the static-matrix cases of benches/static_mvm.rs:
# ROUNDS alternating rounds of (CrossSim: time_crosssim.py s_ideal s_dac_adc
# s_bitsliced; xbar: the same cases of the criterion bench), each printing its
# median per call and its fastest (CrossSim: the fastest call; xbar: the
# fastest criterion sample, per call), for every case "N:BATCH" of CASES
# (default: 1024 x 1024 at batch 256 and 1024, 4096 x 4096 at batch 256 and
# 1024). Each line carries the load average (`uptime`) when it was printed.
# On a busy machine the fastest figures are the ones least disturbed by others.
#
#   CROSSSIM_PATH=/path/to/cross-sim PYTHON=/path/to/venv/bin/python \
#       [CASES="1024:256 4096:256"] benches/crosssim/static_rounds.sh [ROUNDS]
#
# CrossSim runs with NumPy's BLAS at its default thread count (both cores here);
# xbar with its own pool at its default (all cores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rounds="${1:-3}"
python="${PYTHON:-python3}"
cases="${CASES:-1024:256 1024:1024 4096:256 4096:1024}"
: "${CROSSSIM_PATH:?point CROSSSIM_PATH at a CrossSim 3.2 checkout}"
cargo bench --bench static_mvm --no-run >/dev/null 2>&1
load() { cut -d' ' -f1 /proc/loadavg; }
for round in $(seq "$rounds"); do
    for c in $cases; do
        n="${c%%:*}"
        batch="${c##*:}"
        echo "== round $round, ${n}x$n, batch $batch, load $(load)"
        # Fewer calls at 4096 x 4096 batch 1024 (a bit-sliced call takes seconds there).
        repeats=7
        if [ "$n" -ge 4096 ] && [ "$batch" -ge 1024 ]; then repeats=3; fi
        N=$n BATCH=$batch REPEATS=$repeats "$python" benches/crosssim/time_crosssim.py s_ideal s_dac_adc s_bitsliced |
            sed 's/^/crosssim /'
        cargo bench --bench static_mvm -- --warm-up-time 1 --measurement-time 4 \
            "${n}x${n}_batch$batch/gemm/" 2>&1 |
            awk -v load="$(load)" '/^[0-9]+x[0-9]+_batch/ {name=$1} /time:/ && name {print "xbar " name ": " $4 " " $5 " (load " load ")"; name=""}'
        for f in target/criterion/"${n}x${n}_batch$batch"/gemm/*/new/sample.json; do
            "$python" -c 'import json, sys
s = json.load(open(sys.argv[1]))
print("xbar %s: fastest sample %.3f ms per call" % (sys.argv[2], min(t / i for t, i in zip(s["times"], s["iters"])) / 1e6))' \
                "$f" "$(basename "$(dirname "$(dirname "$f")")")"
        done
    done
done
