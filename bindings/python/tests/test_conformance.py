"""Every conformance case of tests/conformance/ (CrossSim 3.2's own outputs) through
the Python API, called the CrossSim way: ``AnalogCore(W, params)``, ``core @ X``,
``XV @ core``, ``core.get_matrix()``.

The checks and tolerances are those of the Rust harness (tests/conformance.rs),
which takes them from tests/conformance/README.md:

* unquantised outputs: ``max|got - want| / max|want| <= 1e-12`` (only the
  summation order differs from CrossSim's);
* quantised outputs (ADC bits > 0 and not IdealADC): at most 1 % of the values
  further than 1e-9 relative (an ADC input on a rounding tie moves one LSB);
* wire-resistance cases with ``Y_tight.npy``: the exact solver within 1e-6 of
  CrossSim's tightly converged solution, and CrossSim's own solver
  (``simulation.parasitic_solver = "crosssim"``) within 1e-9 of ``Y.npy``;
* offset cores with quantised cells: CrossSim's reference is multiplied by
  ``(2^cb - 1) / (2^cb - 2)`` (a CrossSim deviation xbar corrects,
  docs/crosssim-differences.md);
* error cases: refused (ParamsError at parameters, any error at core or
  programming, NoConvergenceError at the MVM), never numbers;
* stochastic cases: their noise-free twin (``params_ideal.json``,
  ``Y_ideal.npy``); their statistics are the Rust suite's business.

A case whose model this build refuses with UnsupportedError is skipped, never passed.
Complex values are compared as their (re, im) components, as the Rust harness does.
"""

import json
import os
import pathlib

import numpy as np
import pytest

import xbar

TOL_EXACT = 1e-12
TOL_QUANT = 1e-9
MAX_TIE_FRACTION = 0.01
TOL_CIRCUIT = 1e-6
TOL_CROSSSIM_SOLVER = 1e-9

ROOT = pathlib.Path(
    os.environ.get("XBAR_CONFORMANCE_DIR")
    or pathlib.Path(os.environ.get("XBAR_REPO") or pathlib.Path(__file__).resolve().parents[3]) / "tests/conformance"
)
CASES = sorted(p for p in ROOT.glob("*") if (p / "case.json").exists()) if ROOT.is_dir() else []


def components(a: np.ndarray) -> np.ndarray:
    """Real values as they are; complex ones as interleaved (re, im) float64 pairs."""
    a = np.asarray(a)
    if a.dtype.kind == "c":
        return np.ascontiguousarray(a, dtype=np.complex128).view(np.float64).ravel()
    return np.ascontiguousarray(a, dtype=np.float64).ravel()


def rel_errors(got, want):
    g, w = components(got), components(want)
    assert g.shape == w.shape, f"{g.shape} values, expected {w.shape}"
    scale = max(float(np.max(np.abs(w))), np.finfo(np.float64).tiny)
    return np.abs(g - w) / scale


def within(what, got, want, tol):
    err = float(rel_errors(got, want).max())
    assert err <= tol, f"{what}: max rel err {err:.3e} > {tol:e}"


def compare(what, got, want, quantised):
    errs = rel_errors(got, want)
    if not quantised:
        within(what, got, want, TOL_EXACT)
        return
    ties = int(np.count_nonzero(errs > TOL_QUANT))
    assert ties / errs.size <= MAX_TIE_FRACTION, (
        f"{what}: {ties}/{errs.size} elements differ by more than {TOL_QUANT:e} (max rel {errs.max():.3e})"
    )


def load_params(case, name, **extra):
    tree = json.loads((case / name).read_text())
    for path, value in extra.items():
        group, key = path.split(".")
        tree.setdefault(group, {})[key] = value
    return tree


def correction(p: xbar.Params) -> float:
    cb = p["xbar.device.cell_bits"]
    if p["core.style"] == 3 and cb > 0:  # OFFSET with quantised cells
        levels = 2.0**cb
        return (levels - 1) / (levels - 2)
    return 1.0


def quantised(p: xbar.Params, side: str) -> bool:
    return p[f"xbar.adc.{side}.bits"] > 0 and p[f"xbar.adc.{side}.model"] != "IdealADC"


def analog_core(W, tree):
    try:
        return xbar.AnalogCore(W, tree)
    except xbar.UnsupportedError as e:
        pytest.skip(f"unsupported here: {e}")


def run_det(case, params_file, y_file):
    tree = load_params(case, params_file)
    W = np.load(case / "W.npy")
    core = analog_core(W, tree)
    p = xbar.Params(tree)
    fix = correction(p)
    X = np.load(case / "X.npy")  # (cols, batch)
    Y = core @ X  # (rows, batch)
    tight = y_file == "Y.npy" and (case / "Y_tight.npy").exists()
    want = np.load(case / ("Y_tight.npy" if tight else y_file)) * fix
    if tight:
        within("Y (vs Y_tight)", Y, want, TOL_CIRCUIT)
    else:
        compare("Y", Y, want, quantised(p, "mvm"))
    if (case / "XV.npy").exists() and params_file == "params.json":
        XV = np.load(case / "XV.npy")  # (batch_v, rows)
        YV = XV @ core
        compare("YV", YV, np.load(case / "YV.npy") * fix, quantised(p, "vmm"))
    if (case / "Wprog.npy").exists():
        compare("Wprog", core.get_matrix(), np.load(case / "Wprog.npy"), False)


def run_crosssim_solver(case):
    tree = load_params(case, "params.json", **{"simulation.parasitic_solver": "crosssim"})
    core = analog_core(np.load(case / "W.npy"), tree)
    Y = core @ np.load(case / "X.npy")
    within("Y", Y, np.load(case / "Y.npy"), TOL_CROSSSIM_SOLVER)


def run_error(case):
    tree = load_params(case, "params.json", **{"simulation.parasitic_solver": "crosssim"})
    try:
        xbar.Params(tree)
    except xbar.ParamsError:
        return  # refused at parameters
    try:
        core = xbar.AnalogCore(np.load(case / "W.npy"), tree)
    except xbar.UnsupportedError as e:
        pytest.skip(f"unsupported here: {e}")
    except xbar.Error:
        return  # refused at core creation or programming
    with pytest.raises(xbar.NoConvergenceError):
        core @ np.load(case / "X.npy")


def runs():
    out = []
    for case in CASES:
        kind = json.loads((case / "case.json").read_text()).get("kind", "")
        if kind == "det":
            out.append(pytest.param(case, "det", id=f"{case.name}-det"))
            if (case / "Y_tight.npy").exists():
                out.append(pytest.param(case, "crosssim", id=f"{case.name}-crosssim_solver"))
        elif kind == "error":
            out.append(pytest.param(case, "error", id=f"{case.name}-error"))
        else:
            out.append(pytest.param(case, "twin", id=f"{case.name}-ideal_twin"))
    return out


def test_cases_found():
    assert len(CASES) >= 38, f"expected the 38 reference cases in {ROOT}, found {len(CASES)}"


@pytest.mark.parametrize("case,what", runs())
def test_conformance(case, what):
    if what == "det":
        run_det(case, "params.json", "Y.npy")
    elif what == "crosssim":
        run_crosssim_solver(case)
    elif what == "error":
        run_error(case)
    else:
        run_det(case, "params_ideal.json", "Y_ideal.npy")
