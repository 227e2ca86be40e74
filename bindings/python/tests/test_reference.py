"""The cross-language reference case (tests/bindings/reference_64x48.txt): the same
bits as the C, C++, Julia and Octave bindings, in every way Python can pass the data."""

import numpy as np
import pytest

import xbar

ROWS, COLS, BATCH, SEED = 64, 48, 4, 7


def weights():
    i, j = np.meshgrid(np.arange(ROWS), np.arange(COLS), indexing="ij")
    return ((7 * i + 3 * j) % 17) / 8 - 1


def inputs():
    b, j = np.meshgrid(np.arange(BATCH), np.arange(COLS), indexing="ij")
    return ((5 * b + 11 * j) % 13) / 8 - 0.75


@pytest.fixture(scope="module")
def want(repo):
    lines = (repo / "tests/bindings/reference_64x48.txt").read_text().splitlines()
    bits = [int(line.split()[0], 16) for line in lines if line.strip() and not line.startswith("#")]
    assert len(bits) == BATCH * ROWS
    return np.array(bits, dtype=np.uint64).reshape(BATCH, ROWS)


def run(w, x):
    with xbar.Params.preset("default") as p, xbar.Core(p, ROWS, COLS, SEED) as core:
        core.program(w)
        return core.mvm(x)


def test_row_major_bits(want):
    y = run(weights(), inputs())
    assert y.dtype == np.float64 and y.shape == (BATCH, ROWS)
    assert np.array_equal(y.view(np.uint64), want)


def test_column_major_weights_same_bits(want):
    w = np.asfortranarray(weights())
    assert w.flags.f_contiguous and not w.flags.c_contiguous
    assert np.array_equal(run(w, inputs()).view(np.uint64), want)


def test_non_contiguous_inputs_same_bits(want):
    big = np.zeros((2 * BATCH, 3 * COLS))
    big[::2, ::3] = inputs()
    x = big[::2, ::3]
    assert not x.flags.c_contiguous
    assert np.array_equal(run(weights(), x).view(np.uint64), want)


def test_one_vector_at_a_time_same_bits():
    # With the in-order kernels (simulation.disable_fast_matmul) a batch gives
    # exactly its vectors read one at a time; by default a batch is one GEMM
    # whose float32 sums may differ in the last bits (docs/models.md, section 4).
    with xbar.Params.preset("default") as p:
        p["simulation.disable_fast_matmul"] = True
        with xbar.Core(p, ROWS, COLS, SEED) as core:
            core.program(weights())
            batched = core.mvm(inputs())
            for b, x in enumerate(inputs()):
                y = core.mvm(x)
                assert y.shape == (ROWS,)
                assert np.array_equal(y.view(np.uint64), batched[b].view(np.uint64))


def test_analog_core_with_preset_params_same_bits(want):
    # An xbar.Params is used as it is (float32 conductances, like the other bindings).
    with xbar.Params.preset("default") as p:
        core = xbar.AnalogCore(weights(), p, seed=SEED)
    y = core @ inputs().T  # (cols, batch) in, (rows, batch) out
    assert y.shape == (ROWS, BATCH)
    assert np.array_equal(np.ascontiguousarray(y.T).view(np.uint64), want)


def test_float32_path_is_the_double_result_rounded(want):
    # mvm_f32 computes in double precision and rounds the outputs once.
    y32 = run(weights().astype(np.float32), inputs().astype(np.float32))
    assert y32.dtype == np.float32
    assert np.array_equal(y32, want.view(np.float64).astype(np.float32))
