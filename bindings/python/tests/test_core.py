"""xbar.Core end to end: data types and layouts, read-back, VMM, update, set_time,
save/load and serialisation, SPICE export, lookup tables, complex cores."""

import pickle

import numpy as np
import pytest

import xbar

NOISY = {"xbar": {"device": {"read_noise": {"enable": True, "model": "NormalIndependentDevice", "magnitude": 0.05}}}}


#: Balanced cores round conductances to float32 as CrossSim does (see above).
TOL = 1e-6


def matrix(rows=12, cols=9, seed=1):
    return np.random.default_rng(seed).uniform(-1, 1, (rows, cols))


def ideal_core(w, precision="float64", style="BALANCED"):
    tree = {"simulation": {"conductance_precision": precision}, "core": {"style": style}}
    core = xbar.Core(tree, *w.shape, seed=3)
    core.program(w)
    return core


def test_ideal_mvm_and_vmm_are_the_matrix_products():
    # Ideal periphery: W x up to the float32 rounding of balanced-core conductances
    # that xbar reproduces from CrossSim (relative 6e-8 per cell; docs/crosssim-
    # differences.md), summed over at most 12 cells of magnitude <= 1: 1e-6.
    w = matrix()
    core = ideal_core(w)
    x = np.random.default_rng(2).uniform(-1, 1, (5, 9))
    v = np.random.default_rng(3).uniform(-1, 1, (4, 12))
    np.testing.assert_allclose(core.mvm(x), x @ w.T, rtol=0, atol=TOL)
    np.testing.assert_allclose(core.vmm(v), v @ w, rtol=0, atol=TOL)
    np.testing.assert_allclose(core.read(), w, rtol=0, atol=TOL)
    assert core.shape == (12, 9) and core.rows == 12 and core.cols == 9 and not core.is_complex


def test_read_orders_and_float32():
    core = ideal_core(matrix())
    c = core.read()
    f = core.read(order="F")
    assert f.flags.f_contiguous and np.array_equal(c, f)
    r32 = core.read(dtype=np.float32)
    assert r32.dtype == np.float32 and np.array_equal(r32, c.astype(np.float32))
    with pytest.raises(xbar.InvalidArgumentError):
        core.read(dtype=np.int32)


def test_dtypes_converted_once():
    w = matrix()
    core = ideal_core(w)
    xi = np.arange(9, dtype=np.int64) - 4
    assert np.array_equal(core.mvm(xi), core.mvm(xi.astype(np.float64)))
    xb = np.array([True, False] * 4 + [True])
    assert np.array_equal(core.mvm(xb), core.mvm(xb.astype(np.float64)))
    assert np.array_equal(core.mvm(xi.tolist()), core.mvm(xi.astype(np.float64)))  # lists too
    x16 = np.linspace(-1, 1, 9).astype(np.float16)
    assert core.mvm(x16).dtype == np.float64
    x32 = np.linspace(-1, 1, 9).astype(np.float32)
    y32 = core.mvm(x32)
    assert y32.dtype == np.float32
    assert np.array_equal(y32, core.mvm(x32.astype(np.float64)).astype(np.float32))


def test_update_ideal_model_changes_the_weights_by_the_outer_product():
    # An OFFSET core (one device per weight; a balanced pair clips each device at
    # its own edge). The weight range is fixed at programming (max |W| = 1 here):
    # columns 0 and 1 hold the extremes and get no update, the rest stay well
    # inside (|change| <= 0.03), so nothing saturates.
    w = matrix() * 0.5
    w[0, 0], w[0, 1] = 1.0, -1.0
    core = ideal_core(w, style="OFFSET")
    x = np.random.default_rng(5).uniform(-1, 1, (3, 9))
    x[:, :2] = 0
    d = np.random.default_rng(6).uniform(-1, 1, (3, 12))
    core.update(x, d, 0.01)
    np.testing.assert_allclose(core.read(), w + 0.01 * d.T @ x, rtol=0, atol=TOL)
    before = core.read()
    core.update(x[0].astype(np.float32), d[0].astype(np.float32), 0.0)  # f32 entry point, lr 0
    assert np.array_equal(core.read(), before)
    with pytest.raises(xbar.InvalidArgumentError, match="lr"):
        core.update(x, d, -1.0)
    with pytest.raises(xbar.ShapeError):
        core.update(x, d[:2], 0.1)


def test_set_time_drift(repo):
    tree = repo / "tests/conformance/s10_sonos_drift_1day/params.json"
    w = matrix()
    core = xbar.Core(tree, *w.shape, seed=1)
    core.program(w)
    core.set_time(0)
    at0 = core.read()
    core.set_time(30 * 86400.0)
    later = core.read()
    assert np.max(np.abs(later - at0)) > 1e-3  # SONOS charge loss over a month
    core.set_time(0)
    assert np.array_equal(core.read(), at0)  # each call starts from the programmed devices
    core.set_time(30 * 86400.0)
    assert np.array_equal(core.read(), later)
    with pytest.raises(xbar.InvalidArgumentError):
        core.set_time(-1.0)


def test_save_load_round_trip_continues_bit_for_bit(tmp_path):
    w = matrix(32, 24)
    x = np.random.default_rng(9).uniform(-1, 1, (6, 24))
    a = xbar.Core(NOISY, 32, 24, seed=11)
    a.program(w)
    a.mvm(x)  # advance the random stream
    path = tmp_path / "core.xbar"
    a.save(path)
    b = xbar.Core.load(path)
    c = xbar.Core.deserialize(a.serialize())
    d = pickle.loads(pickle.dumps(a))
    want = a.mvm(x)
    for other in (b, c, d):
        assert other.shape == a.shape and not other.is_complex
        assert np.array_equal(other.mvm(x), want)
    assert not np.array_equal(a.mvm(x), want)  # read noise: the next draw differs


def test_load_errors(tmp_path):
    with pytest.raises(xbar.IoError, match="missing"):
        xbar.Core.load(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.write_bytes(b"not a core at all")
    with pytest.raises(xbar.ParseError):
        xbar.Core.load(bad)
    with pytest.raises(xbar.ParseError):
        xbar.Core.deserialize(b"\x00" * 64)
    with pytest.raises(OSError):  # IoError is an OSError
        xbar.Core.load(tmp_path / "missing")


def test_export_spice():
    core = ideal_core(matrix(4, 3))
    deck = core.export_spice(np.array([0.5, -0.25, 1.0]))
    assert ".op" in deck and "VY0" in deck.upper()
    assert deck.count("* xbar i(vy") >= 4
    with pytest.raises(xbar.ShapeError):
        core.export_spice(np.ones(4))


def test_cost_report():
    core = ideal_core(matrix(4, 3))
    core.mvm(np.array([[0.5, -0.25, 1.0], [0.1, 0.2, 0.3]]))
    r = core.cost()
    # A BALANCED pair per vector: 2 arrays x 3 inputs DAC conversions, 2 array reads.
    assert r["since_program"]["counts"]["dac"] == 12
    assert r["since_program"]["counts"]["array_reads"] == 4
    assert r["last_call"]["vectors"] == 2 and r["area_m2"] > 0
    core.cost_reset()
    assert core.cost()["since_program"]["counts"]["array_reads"] == 0


def test_complex_core():
    rng = np.random.default_rng(4)
    w = rng.uniform(-1, 1, (6, 5)) + 1j * rng.uniform(-1, 1, (6, 5))
    x = rng.uniform(-1, 1, (3, 5)) + 1j * rng.uniform(-1, 1, (3, 5))
    core = xbar.Core({"core": {"complex_matrix": True, "complex_input": True},
                      "simulation": {"conductance_precision": "float64"}}, 6, 5)
    assert core.is_complex
    core.program(w)
    np.testing.assert_allclose(core.mvm(x), x @ w.T, rtol=0, atol=TOL)
    np.testing.assert_allclose(core.vmm(x @ w.T), (x @ w.T) @ w, rtol=0, atol=TOL)
    np.testing.assert_allclose(core.read(), w, rtol=0, atol=TOL)
    # real input into a complex core: converted to complex128
    xr = rng.uniform(-1, 1, 5)
    np.testing.assert_allclose(core.mvm(xr), w @ xr, rtol=0, atol=TOL)
    again = xbar.Core.deserialize(core.serialize())
    assert again.is_complex and np.array_equal(again.read(), core.read())


def _write_ramps(path, start, step, columns=3, pulses=40):
    ramps = [[start + step * k * (1 + 0.1 * c) for c in range(columns)] for k in range(pulses)]
    path.write_text("\n".join(",".join(f"{g:.9e}" for g in row) for row in ramps) + "\n")


def test_lookup_tables_from_pulse_trains(tmp_path):
    _write_ramps(tmp_path / "set.csv", 1e-5, 2e-6)
    _write_ramps(tmp_path / "reset.csv", 9e-5, -1.5e-6)
    out = tmp_path / "lut"
    out.mkdir()
    xbar.LookupTable.from_pulse_trains(tmp_path / "set.csv", tmp_path / "reset.csv", out)
    assert (out / "dG_increasing.txt").exists() and (out / "dG_decreasing.txt").exists()
    with xbar.LookupTable(out) as lut:
        core = xbar.Core({}, 4, 3, seed=2)
        core.program(np.zeros((4, 3)))
        core.set_lut(lut)
    before = core.read()
    core.update(np.ones(3), np.ones(4), 0.5)
    after = core.read()
    assert np.all(after > before)  # potentiation only: every weight grows
    loaded = xbar.Core.deserialize(core.serialize())  # the tables travel with the state
    core.update(np.ones(3), -np.ones(4), 0.5)
    loaded.update(np.ones(3), -np.ones(4), 0.5)
    assert np.array_equal(core.read(), loaded.read())
    with pytest.raises(xbar.IoError):
        xbar.LookupTable(tmp_path / "nowhere")
    with pytest.raises(xbar.InvalidArgumentError):
        core.set_lut("not a table")


def test_set_num_threads_and_version():
    xbar.set_num_threads(2)
    xbar.set_num_threads(0)
    with pytest.raises(xbar.InvalidArgumentError):
        xbar.set_num_threads(1 << 20)
    with pytest.raises(xbar.InvalidArgumentError):
        xbar.set_num_threads(-1)
    assert xbar.version() == "0.1.0" and xbar.version_number() == 0x100
    assert xbar.status_string(3)


def test_out_argument():
    core = ideal_core(matrix())
    x = np.random.default_rng(8).uniform(-1, 1, (5, 9))
    out = np.full((5, 12), np.nan)
    assert core.mvm(x, out=out) is out
    assert np.array_equal(out, core.mvm(x))
    v_out = np.empty(9)
    assert core.vmm(np.ones(12), out=v_out) is v_out and np.array_equal(v_out, core.vmm(np.ones(12)))
    with pytest.raises(xbar.ShapeError):
        core.mvm(x, out=np.empty((5, 11)))
    with pytest.raises(xbar.ShapeError):
        core.mvm(x, out=np.empty((5, 12), np.float32))
    with pytest.raises(xbar.InvalidArgumentError):
        core.mvm(x, out=np.empty((12, 5)).T)
    buf = np.zeros(12)
    with pytest.raises(xbar.InvalidArgumentError, match="overlap"):
        core.mvm(buf[:9], out=buf)  # x and out share memory: the library refuses
