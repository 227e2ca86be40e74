"""Times CrossSim 2.0's in-situ updates on the cases of benches/update.rs.

CrossSim 2.0 is not part of this repository: unpack its tag v2.0 somewhere
(the folder holding `cross_sim/` and `helpers/`) and run with a Python that has
numpy, scipy and matplotlib (the tag's helpers import it):

    CROSSSIM2_PATH=/path/to/crosssim-v2.0 python benches/crosssim/time_crosssim2.py [CASE ...]

benches/update.rs starts this script with `--serve` and asks it for one timed
update at a time (a case name per line on stdin; the milliseconds come back
as one line on stdout), so that both simulators run interleaved rounds in one
process tree. Run directly, it prints the median of REPEATS (default 5) calls
per case.

Cases (1024 x 1024 weights, a BALANCED core, conductance window [0.1, 1],
learning rate 0.01; the xbar bench's matrix and vectors):

* ideal: the linear update (ANALYTIC, alpha 0, no write noise), one outer product;
* ideal_batch16: the same, 16 samples summed digitally (one BLAS product
  D^T X) and written once with `update_matrix_burst`;
* analytic: alpha = 2 (asymmetric), write noise 0.01 (G_INDEPENDENT);
* lut1: one lookup table (DG_LOOKUP, TaOx_all/1 of the shared tables), noise on;
* lut3: three tables assigned per cell (multi_LUT, vectorize = True, the
  devices TaOx_all/1, 2, 3), set up the way CrossSim 2.0's training driver does.

LUT_DIR names the TaOx_all folder (default ../shared/data/lookup_tables/TaOx_all
next to the repository). NumPy should use one thread: set OMP_NUM_THREADS=1
and OPENBLAS_NUM_THREADS=1 (benches/update.rs does).
"""

import contextlib
import os
import statistics
import sys
import time
import warnings

ROOT = os.environ["CROSSSIM2_PATH"]
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "cross_sim"))
sys.path.insert(0, os.path.join(ROOT, "training"))

import numpy as np  # noqa: E402
from cross_sim import Parameters  # noqa: E402
from cross_sim.xbar_simulator import MakeCore  # noqa: E402

N = 1024
LR = 0.01
BATCH = 16
HERE = os.path.dirname(os.path.abspath(__file__))
LUT_DIR = os.environ.get(
    "LUT_DIR", os.path.join(HERE, "..", "..", "..", "shared", "data", "lookup_tables", "TaOx_all")
)


def data(n, seed):
    """benches/update.rs `data`: sin(1.7 sin(0.618 k + seed))."""
    k = np.arange(n, dtype=np.float64)
    return np.sin(np.sin(k * 0.618 + seed) * 1.7)


def base_params():
    """A numeric BALANCED core with unlimited, unquantised inputs and outputs."""
    p = Parameters()
    p.algorithm_params.crossbar_type = "BALANCED"
    p.algorithm_params.sim_type = "NUMERIC"
    p.algorithm_params.disable_clipping = False
    p.algorithm_params.weights.maximum = 1
    p.algorithm_params.weights.minimum = -1
    p.xbar_params.weights.minimum = 0.1
    p.xbar_params.weights.maximum = 1
    p.numeric_params.useGPU = False
    for name, lim in [
        ("col_input", 100),
        ("row_input", 100),
        ("col_output", 100000),
        ("row_output", 100000),
        ("col_update", 100),
        ("row_update", 100),
    ]:
        getattr(p.algorithm_params, name).maximum = lim
        getattr(p.algorithm_params, name).minimum = -lim
        getattr(p.xbar_params, name).bits = 0
    return p


def table_files(device):
    folder = os.path.join(LUT_DIR, str(device))
    return os.path.join(folder, "dG_increasing.txt"), os.path.join(folder, "dG_decreasing.txt")


def multi_lut(p, devices, gmin_rel=0.1, gmax_rel=0.9):
    """Loads several devices as CrossSim 2.0's training driver does
    (training/training_net.py, the TaOx sets), through its variability_helper."""
    from helpers.variability_helper import variability_helper

    read = lambda f, skip, rows=None: np.genfromtxt(f, delimiter=",", skip_header=skip, max_rows=rows)  # noqa: E731
    g_rows = [read(table_files(d)[0], 1, 1) for d in devices]
    dim, n = len(g_rows[0]), len(devices)
    gbins = np.stack(g_rows, axis=1)
    g_hi, g_lo = np.amax(gbins), np.amin(gbins)
    gmax = g_lo + (g_hi - g_lo) * gmax_rel
    gmin = g_lo + (g_hi - g_lo) * gmin_rel
    p.xbar_params.weight_clipping.minimum = g_lo / gmax
    p.xbar_params.weight_clipping.maximum = g_hi / gmax
    p.xbar_params.weights.minimum = gmin / gmax
    p.xbar_params.weights.maximum = 1
    gbins = gbins / gmax
    inc_all, dec_all = np.zeros((dim, dim, n)), np.zeros((dim, dim, n))
    err_inc, err_dec = np.zeros((dim, dim, n)), np.zeros((dim, dim, n))
    cdfs, mean_inc, mean_dec = np.zeros((dim, n)), np.zeros((dim, n)), np.zeros((dim, n))
    ave_inc, ave_dec = np.zeros(n), np.zeros(n)
    for i, d in enumerate(devices):
        inc_file, dec_file = table_files(d)
        cdf = read(inc_file, 2, 1)
        g = read(inc_file, 1, 1)
        m_inc, m_dec = read(inc_file, 3), read(dec_file, 3)
        inc_all[:, :, i], dec_all[:, :, i] = m_inc / gmax, m_dec / gmax
        cdfs[:, i] = cdf
        r = variability_helper(i, inc_file, dec_file, gmax, cdf, g, m_inc, m_dec)
        ave_inc[i], ave_dec[i], mean_inc[:, i], mean_dec[:, i], err_dec[:, :, i], err_inc[:, :, i] = r
    lut = p.numeric_params.dG_lookup
    lut.file_increasing, lut.file_decreasing = inc_all, dec_all
    lut.gbinsmat = gbins
    lut.CDF_vec_lutmat = cdfs
    lut.ave_dw_inc_vec_lutmat, lut.ave_dw_dec_vec_lutmat = mean_inc, mean_dec
    lut.ave_dw_inc_lutmat, lut.ave_dw_dec_lutmat = ave_inc, ave_dec
    lut.w_steps_lut_vec = np.mean(np.diff(gbins, axis=0), axis=0)
    lut.dw_error_inc_lutmat, lut.dw_error_dec_lutmat = err_inc, err_dec
    lut.multi_LUT = True
    lut.vectorize = True
    lut.matsize = (N, N)


def make(case):
    p = base_params()
    num = p.numeric_params
    if case in ("ideal", "ideal_batch16"):
        num.update_model = "ANALYTIC"
        num.nonlinearity.alpha = 0
        num.write_noise.sigma = 0
    elif case == "analytic":
        num.update_model = "ANALYTIC"
        num.nonlinearity.alpha = 2
        num.nonlinearity.symmetric = False
        num.write_noise.sigma = 0.01
        num.write_noise.write_noise_model = "G_INDEPENDENT"
    elif case == "lut1":
        num.update_model = "DG_LOOKUP"
        num.dG_lookup.file_increasing, num.dG_lookup.file_decreasing = table_files(1)
        num.dG_lookup.Gmin_relative = 0.1
        num.dG_lookup.Gmax_relative = 0.9
    elif case == "lut3":
        num.update_model = "DG_LOOKUP"
    else:
        raise ValueError(f"unknown case {case}")
    # CrossSim prints while it sets up: keep stdout for the timings.
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")
        if case == "lut3":
            multi_lut(p, [1, 2, 3])
        core = MakeCore(params=p)
        core.set_matrix(0.5 * data(N * N, 0.2).reshape(N, N))
    return core


class Case:
    """One core and the inputs of its alternating updates (d and -d, as the xbar bench)."""

    def __init__(self, name):
        self.name = name
        self.core = make(name)
        self.flip = False
        if name == "ideal_batch16":
            self.x = np.stack([data(N, 0.5 + 0.1 * b) for b in range(BATCH)])
            self.d = np.stack([data(N, 0.9 + 0.1 * b) for b in range(BATCH)])
        else:
            self.x, self.d = data(N, 0.5), data(N, 0.9)

    def once(self):
        """One timed update, in milliseconds."""
        self.flip = not self.flip
        d = self.d if self.flip else -self.d
        t0 = time.perf_counter()
        if self.name == "ideal_batch16":
            self.core.update_matrix_burst(d.T @ self.x, learning_rate=LR)
        else:
            self.core.update_matrix(d, self.x, learning_rate=LR)
        return 1e3 * (time.perf_counter() - t0)


def serve():
    cases = {}
    for line in sys.stdin:
        name = line.strip()
        if not name:
            continue
        if name not in cases:
            cases[name] = Case(name)
            cases[name].once()  # untimed warm-up
        print(f"{cases[name].once():.4f}", flush=True)


def main(names):
    repeats = int(os.environ.get("REPEATS", "5"))
    for name in names or ["ideal", "ideal_batch16", "analytic", "lut1", "lut3"]:
        c = Case(name)
        c.once()
        t = [c.once() for _ in range(repeats)]
        print(f"{name}: median {statistics.median(t):.2f} ms, min {min(t):.2f} ms ({repeats} calls)", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve()
    else:
        main(sys.argv[1:])
