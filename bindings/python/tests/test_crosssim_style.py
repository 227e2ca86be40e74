"""CrossSim's calling convention: a CrossSim 3.2 script with the import changed."""

import numpy as np
import pytest

import xbar


def crosssim_script(AnalogCore, CrossSimParameters):
    """What a CrossSim 3.2 user writes (the body is CrossSim's API, unchanged)."""
    params = CrossSimParameters()
    params.core.style = "BALANCED"
    params.xbar.adc.mvm.bits = 8
    params.xbar.adc.mvm.model = "QuantizerADC"
    params.xbar.adc.mvm.adc_range_option = "MAX"
    params.xbar.dac.mvm.bits = 8
    params.xbar.dac.mvm.input_bitslicing = False

    W = np.random.default_rng(0).uniform(-1, 1, (40, 30))
    x = np.random.default_rng(1).uniform(-1, 1, 30)
    X = np.random.default_rng(2).uniform(-1, 1, (30, 5))
    core = AnalogCore(W, params)
    y = core @ x
    Y = core @ X
    v = np.ones(40) @ core
    V = np.ones((3, 40)) @ core
    return W, x, X, y, Y, v, V, core.get_matrix()


def test_script_runs_unchanged_with_the_import_from_xbar():
    from xbar import AnalogCore, CrossSimParameters

    W, x, X, y, Y, v, V, Wp = crosssim_script(AnalogCore, CrossSimParameters)
    assert y.shape == (40,) and Y.shape == (40, 5) and v.shape == (30,) and V.shape == (3, 30)
    # 8-bit DAC and ADC over MAX ranges: close to W x, but quantised (not equal).
    np.testing.assert_allclose(y, W @ x, atol=0.25)
    assert not np.allclose(y, W @ x, atol=1e-6)
    # One column of Y is one MVM, as in CrossSim.
    assert np.array_equal(Y[:, 0], AnalogCore(W, _params(CrossSimParameters)) @ X[:, 0])
    # Balanced cores round conductances to float32 as CrossSim does: 1e-6 (relative
    # 6e-8 per device, weights of magnitude <= 1).
    np.testing.assert_allclose(Wp, W, rtol=0, atol=1e-6)


def _params(CrossSimParameters):
    p = CrossSimParameters()
    p.xbar.adc.mvm.bits = 8
    p.xbar.adc.mvm.model = "QuantizerADC"
    p.xbar.adc.mvm.adc_range_option = "MAX"
    p.xbar.dac.mvm.bits = 8
    return p


def test_shapes_and_transposes():
    # Tolerance 1e-6: CrossSim's float32 rounding of balanced-core conductances.
    W = np.random.default_rng(3).uniform(-1, 1, (6, 4))
    core = xbar.AnalogCore(W, {})
    assert core.shape == (6, 4) and core.T.shape == (4, 6)
    x4, x6 = np.arange(4.0) / 4, np.arange(6.0) / 6
    X4, X6 = np.ones((4, 3)), np.ones((3, 6))
    np.testing.assert_allclose(core @ x4, W @ x4, rtol=0, atol=1e-6)
    np.testing.assert_allclose(core @ X4, W @ X4, rtol=0, atol=1e-6)
    np.testing.assert_allclose(x6 @ core, x6 @ W, rtol=0, atol=1e-6)
    np.testing.assert_allclose(X6 @ core, X6 @ W, rtol=0, atol=1e-6)
    np.testing.assert_allclose(core.T @ x6, W.T @ x6, rtol=0, atol=1e-6)
    np.testing.assert_allclose(core.T @ X6.T, W.T @ X6.T, rtol=0, atol=1e-6)
    np.testing.assert_allclose(X4.T @ core.T, X4.T @ W.T, rtol=0, atol=1e-6)
    assert np.array_equal(core.matvec(x4), core @ x4)
    assert np.array_equal(core.vecmat(x6), x6 @ core)
    # A Fortran-ordered (cols, batch) input is the C API's batch layout: the result
    # comes back in Fortran order, and equals the C-ordered call.
    Xf = np.asfortranarray(np.random.default_rng(4).uniform(-1, 1, (4, 7)))
    Yf = core @ Xf
    assert Yf.flags.f_contiguous and np.array_equal(Yf, core @ np.ascontiguousarray(Xf))
    with pytest.raises(xbar.ShapeError):
        core @ np.ones(6)
    with pytest.raises(xbar.ShapeError):
        np.ones(4) @ core
    with pytest.raises(xbar.UnsupportedError):
        core[1:3]


def test_set_and_get_matrix_and_complex():
    core = xbar.AnalogCore(np.zeros((3, 3)), None, empty_matrix=True)
    with pytest.raises(xbar.NotProgrammedError):
        core.get_matrix()
    core.set_matrix(np.eye(3))
    np.testing.assert_allclose(core.get_matrix(), np.eye(3), rtol=0, atol=1e-6)
    Wc = np.array([[1 + 1j, 0.5], [-0.25j, 1]])
    cc = xbar.AnalogCore(Wc, {"core": {"complex_matrix": True, "complex_input": True}})
    assert cc.dtype == np.complex128
    np.testing.assert_allclose(cc @ np.array([1j, 1]), Wc @ np.array([1j, 1]), rtol=0, atol=1e-6)
    with pytest.raises(xbar.InvalidArgumentError, match="complex_matrix"):
        xbar.AnalogCore(Wc, {})


def test_conductance_precision():
    # CrossSim-style params get float64 conductances unless they say otherwise; an
    # xbar.Params is taken as it is (xbar's default float32). OFFSET cores: CrossSim
    # keeps their conductances in float64 (balanced ones it rounds to float32 itself).
    W = np.random.default_rng(5).uniform(-1, 1, (8, 8))
    offset = {"core": {"style": "OFFSET"}}
    exact = xbar.AnalogCore(W, offset).get_matrix()
    f32 = xbar.AnalogCore(W, dict(offset, simulation={"conductance_precision": "float32"})).get_matrix()
    from_params = xbar.AnalogCore(W, xbar.Params(offset)).get_matrix()
    assert np.max(np.abs(exact - W)) < 1e-14
    assert 1e-9 < np.max(np.abs(f32 - W)) < 1e-6
    assert np.array_equal(from_params, f32)


def test_conformance_tolerance_detects_float32_conductances(repo):
    # The 1e-12 check of test_conformance.py is sharp enough to see xbar's float32
    # storage: an unquantised OFFSET case (float64 conductances in CrossSim) fails it.
    case = repo / "tests/conformance/c02_offset_unit_column_64x64"  # unquantised, OFFSET
    core = xbar.AnalogCore(np.load(case / "W.npy"), xbar.Params(case / "params.json"))
    Y, want = core @ np.load(case / "X.npy"), np.load(case / "Y.npy")
    assert np.max(np.abs(Y - want)) / np.max(np.abs(want)) > 1e-12


def test_multiple_parameter_objects():
    W = np.eye(2)
    p = {"xbar": {"adc": {"mvm": {"bits": 0}}}}
    assert xbar.AnalogCore(W, [p, p]).shape == (2, 2)
    with pytest.raises(xbar.UnsupportedError):
        xbar.AnalogCore(W, [p, {"xbar": {"dac": {"mvm": {"bits": 4}}}}])
