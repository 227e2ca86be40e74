"""Times CrossSim on the configurations of benches/mvm.rs and benches/parasitics.rs.

CrossSim is not part of this repository: point CROSSSIM_PATH at a checkout (the
folder holding its `simulator/` package) and run with a Python that has numpy
and scipy:

    CROSSSIM_PATH=/path/to/cross-sim python benches/crosssim/time_crosssim.py [CASE ...]

Cases: a_ideal, b_noisy, c_par256, c_par1024 (default: all), and the static
cases of benches/static_mvm.rs, s_ideal, s_dac_adc and s_bitsliced (N x N,
default 1024, batch BATCH, default 256; see static_rounds.sh). Each case builds
an AnalogCore from CrossSim parameters equal to the xbar bench's, runs one
untimed call, then prints the median and minimum wall time of REPEATS calls
(environment variable, default 5), one line per case.

The matrices and inputs are the xbar benches' own: mvm.rs's `data` (a sine of a
sine) for a_ideal and b_noisy. For the parasitic cases the core is programmed
normally, then the normalised conductances its arrays hold are replaced by
parasitics.rs's LCG values in [0.1, 1) (stored as float32, as CrossSim stores
them), so CrossSim's relaxation solves the same circuits as xbar's
`solve_relaxation` in parasitics.rs: MVM, input sources on the rows,
non-interleaved, Verr 1e-10, max_max, gamma 1, Rmin 10 kOhm, Rmax 100 kOhm.
c_par256 is a balanced core (G+ and G- arrays, batch 16); c_par1024 an offset
core, whose single array is solved once per call (batch 1).
"""

import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.environ["CROSSSIM_PATH"])

import numpy as np  # noqa: E402
from simulator import AnalogCore, CrossSimParameters  # noqa: E402
from simulator.circuits.array.iarray import IArray  # noqa: E402

# Counts the relaxation's error evaluations (iterations + 1 per array solve).
_error_metric = IArray._error_metric
ERROR_EVALUATIONS = [0]


def _counted_error_metric(self, *args, **kwargs):
    ERROR_EVALUATIONS[0] += 1
    return _error_metric(self, *args, **kwargs)


IArray._error_metric = _counted_error_metric


def data(n, seed):
    """benches/mvm.rs `data`: sin(1.7 sin(0.618 k + seed))."""
    k = np.arange(n, dtype=np.float64)
    return np.sin(np.sin(k * 0.618 + seed) * 1.7)


def lcg_values(n, seed, lo, hi):
    """benches/parasitics.rs `values`: a 64-bit LCG, 53 bits per value."""
    out = np.empty(n)
    s = seed
    mask = (1 << 64) - 1
    for i in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) & mask
        out[i] = lo + (hi - lo) * ((s >> 11) / float(1 << 53))
    return out


def converters(p, n, adc_max=False):
    """8-bit sign-magnitude DACs and 8-bit quantizer ADCs, calibrated to ±√n
    (or range MAX), and programming error (generic normal, 0.01)."""
    r = math.sqrt(n)
    for op in ("mvm", "vmm"):
        # Setting `model` replaces CrossSim's converter object with one of the
        # model's class: set it first, then fetch the new object for the rest.
        getattr(p.xbar.dac, op).model = "SignMagnitudeDAC"
        getattr(p.xbar.adc, op).model = "QuantizerADC"
        dac = getattr(p.xbar.dac, op)
        dac.bits = 8
        adc = getattr(p.xbar.adc, op)
        adc.bits = 8
        if adc_max:
            adc.adc_range_option = "MAX"
        else:
            adc.calibrated_range = [-r, r]
    e = p.xbar.device.programming_error
    e.enable = True
    e.model = "NormalIndependentDevice"
    e.magnitude = 0.01
    return p


def noisy_params(n):
    """benches/mvm.rs b_noisy: the converters, and read noise (generic normal, 0.01)."""
    p = converters(CrossSimParameters(), n)
    e = p.xbar.device.read_noise
    e.enable = True
    e.model = "NormalIndependentDevice"
    e.magnitude = 0.01
    return p


def static_params(name, n):
    """benches/static_mvm.rs `config`: no read noise, so every batch is one matmul."""
    p = CrossSimParameters()
    if name == "s_ideal":
        return p
    converters(p, n, adc_max=name == "s_bitsliced")
    if name == "s_bitsliced":
        p.core.style = "BITSLICED"
        p.core.weight_bits = 8
        p.core.bit_sliced.num_slices = 4
    return p


def parasitic_params(style, r_norm, rmin=1e4):
    """Wire resistance r_norm * Rmin per segment, Rmax = 10 Rmin, tight relaxation."""
    p = CrossSimParameters()
    p.core.style = style
    p.xbar.device.Rmin = rmin
    p.xbar.device.Rmax = 10 * rmin
    par = p.xbar.array.parasitics
    par.enable = True
    par.Rp_row = r_norm * rmin
    par.Rp_col = r_norm * rmin
    par.current_from_input = True
    p.simulation.Verr_th_mvm = 1e-10
    p.simulation.Niters_max_parasitics = 2000
    p.simulation.relaxation_gamma = 1.0
    p.simulation.Verr_matmul_criterion = "max_max"
    return p


def case(name):
    """(description, core, input) for one case; inputs are (n,) or (n, batch)."""
    if name.startswith("s_"):
        n, batch = int(os.environ.get("N", "1024")), int(os.environ.get("BATCH", "256"))
        w = data(n * n, 0.1).reshape(n, n)
        x = np.ascontiguousarray(data(n * batch, 0.7).reshape(batch, n).T)
        return f"{name} {n}x{n} batch {batch}", AnalogCore(w, static_params(name, n)), x
    if name in ("a_ideal", "b_noisy"):
        n = 1024
        batch = 1 if name == "a_ideal" else int(os.environ.get("NOISY_BATCH", "16"))
        w = data(n * n, 0.1).reshape(n, n)
        x = data(n * batch, 0.7).reshape(batch, n).T
        if batch == 1:
            x = x[:, 0].copy()
        p = CrossSimParameters() if name == "a_ideal" else noisy_params(n)
        return f"{name} {n}x{n} batch {batch}", AnalogCore(w, p), np.ascontiguousarray(x)
    n, batch, r, seeds = {
        "c_par256": (256, 16, 2e-5, (1, 2, 3)),
        "c_par1024": (1024, 1, 1e-6, (4, None, 5)),
    }[name]
    x = lcg_values(n * batch, seeds[2], -1.0, 1.0).reshape(batch, n).T
    if batch == 1:
        x = x[:, 0].copy()
    g = [lcg_values(n * n, s, 0.1, 1.0).reshape(n, n).astype(np.float32) for s in seeds[:2] if s is not None]
    style = "BALANCED" if len(g) == 2 else "OFFSET"
    core = AnalogCore(data(n * n, 0.1).reshape(n, n), parasitic_params(style, r))
    inner = core.cores[0][0]
    if style == "BALANCED":
        inner.core_pos.matrix, inner.core_neg.matrix = g
    else:
        inner.core.matrix = g[0]
    return f"{name} {n}x{n} batch {batch} Rp/Rmin {r:g}", core, np.ascontiguousarray(x)


def main():
    names = sys.argv[1:] or ["a_ideal", "b_noisy", "c_par256", "c_par1024"]
    repeats = int(os.environ.get("REPEATS", "5"))
    for name in names:
        desc, core, x = case(name)
        call = core.matvec if x.ndim == 1 else core.matmat
        ERROR_EVALUATIONS[0] = 0
        call(x)
        evaluations = ERROR_EVALUATIONS[0]
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            call(x)
            times.append(time.perf_counter() - t0)
        batch = 1 if x.ndim == 1 else x.shape[1]
        med = statistics.median(times)
        print(
            f"{desc}: median {med * 1e3:.3f} ms, min {min(times) * 1e3:.3f} ms "
            f"({med / batch * 1e3:.3f} ms per vector, {repeats} calls, load {os.getloadavg()[0]:.2f}"
            + (f", {evaluations} relaxation error evaluations per call)" if evaluations else ")"),
            flush=True,
        )


if __name__ == "__main__":
    main()
