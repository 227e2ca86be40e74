"""The bad-input matrix: every misuse raises a subclass of xbar.Error naming the
problem, and leaves the core usable; nothing crashes the interpreter."""

import threading
import time

import numpy as np
import pytest

import xbar


@pytest.fixture
def core():
    c = xbar.Core({}, 6, 4, seed=1)
    c.program(np.arange(24.0).reshape(6, 4) / 24)
    yield c
    c.close()


def still_works(core):
    y = core.mvm(np.ones(4))
    assert y.shape == (6,) and np.all(np.isfinite(y))


@pytest.mark.parametrize(
    "call,exc,match",
    [
        # wrong data type: not numeric at all
        (lambda c: c.mvm(np.array(["a", "b", "c", "d"])), xbar.InvalidArgumentError, "not numeric"),
        (lambda c: c.mvm(np.array([object()] * 4)), xbar.InvalidArgumentError, "not numeric"),
        (lambda c: c.program(np.full((6, 4), "x")), xbar.InvalidArgumentError, "not numeric"),
        # complex data into a real core: the library refuses
        (lambda c: c.mvm(np.ones(4, complex)), xbar.InvalidArgumentError, "real"),
        (lambda c: c.program(np.ones((6, 4), complex)), xbar.InvalidArgumentError, "real"),
        # wrong shape
        (lambda c: c.mvm(np.ones(5)), xbar.ShapeError, "expected 4"),
        (lambda c: c.mvm(np.ones((3, 6))), xbar.ShapeError, "expected 4"),
        (lambda c: c.mvm(np.ones((2, 2, 4))), xbar.ShapeError, "1-D vector or a 2-D"),
        (lambda c: c.mvm(np.float64(1.0)), xbar.ShapeError, "1-D vector or a 2-D"),
        (lambda c: c.vmm(np.ones(4)), xbar.ShapeError, "expected 6"),
        (lambda c: c.program(np.ones((4, 6))), xbar.ShapeError, "rows"),
        (lambda c: c.program(np.ones(24)), xbar.ShapeError, "2-D"),
        (lambda c: c.update(np.ones(4), np.ones(5), 0.1), xbar.ShapeError, "d"),
        (lambda c: c.export_spice(np.ones((1, 4))), xbar.ShapeError, "1-D"),
        (lambda c: c.export_spice(np.ones(4, complex)), xbar.InvalidArgumentError, "real"),
        # NaN and infinities
        (lambda c: c.mvm(np.array([1.0, np.nan, 0.0, 0.0])), xbar.InvalidArgumentError, r"x\[1\] is NaN"),
        (lambda c: c.vmm(np.array([0, 0, 0, 0, 0, np.inf])), xbar.InvalidArgumentError, r"v\[5\] is \+inf"),
        (lambda c: c.program(np.full((6, 4), np.nan)), xbar.InvalidArgumentError, "w"),
        (lambda c: c.mvm(np.array([1, np.nan, 0, 0], np.float32)), xbar.InvalidArgumentError, r"x\[1\] is NaN"),
        (lambda c: c.update(np.ones(4), np.full(6, np.nan), 0.1), xbar.InvalidArgumentError, "d"),
        (lambda c: c.update(np.ones(4), np.ones(6), float("nan")), xbar.InvalidArgumentError, "lr"),
        (lambda c: c.set_time(float("inf")), xbar.InvalidArgumentError, "seconds"),
        # bad scalars and paths
        (lambda c: c.read(order="K"), xbar.InvalidArgumentError, "order"),
        (lambda c: c.save(12), xbar.InvalidArgumentError, "path"),
        (lambda c: c.save("/no/such/folder/core.xbar"), xbar.IoError, "/no/such/folder"),
    ],
)
def test_bad_input_raises_and_leaves_the_core_usable(core, call, exc, match):
    before = core.read()
    with pytest.raises(exc, match=match) as e:
        call(core)
    assert isinstance(e.value, xbar.Error) and e.value.status == exc.status
    assert np.array_equal(core.read(), before)
    still_works(core)


def test_non_contiguous_input_is_copied_once_and_gives_the_same_numbers(core):
    x = np.arange(12.0).reshape(3, 4) / 12
    for view in (x[::-1], np.asfortranarray(x), np.repeat(x, 2, axis=1)[:, ::2]):
        assert np.array_equal(core.mvm(view), core.mvm(np.ascontiguousarray(view)))


def test_bad_constructor_arguments():
    with pytest.raises(xbar.InvalidArgumentError, match="seed"):
        xbar.Core({}, 4, 4, seed=-1)
    with pytest.raises(xbar.InvalidArgumentError, match="seed"):
        xbar.Core({}, 4, 4, seed=1 << 64)
    with pytest.raises(xbar.InvalidArgumentError, match="rows"):
        xbar.Core({}, 4.5, 4)
    with pytest.raises(xbar.ShapeError, match="at least one row"):
        xbar.Core({}, 0, 4)
    with pytest.raises(xbar.ParamsError):
        xbar.Core({"core": {"style": "NOPE"}}, 4, 4)


def test_not_programmed():
    c = xbar.Core({}, 3, 3)
    for call in (lambda: c.mvm(np.ones(3)), lambda: c.vmm(np.ones(3)), c.read,
                 lambda: c.update(np.ones(3), np.ones(3), 0.1), lambda: c.set_time(1.0)):
        with pytest.raises(xbar.NotProgrammedError):
            call()


def test_closed_core(core):
    core.close()
    core.close()  # idempotent
    assert core.closed
    for call in (lambda: core.mvm(np.ones(4)), core.read, core.serialize, lambda: core.program(np.ones((6, 4)))):
        with pytest.raises(xbar.NullArgumentError, match="closed"):
            call()


def big_busy_core():
    """A core whose MVM of batch 64 takes a while: wire resistance, solved exactly."""
    tree = {"xbar": {"array": {"parasitics": {"enable": True, "Rp_row": 1e-4, "Rp_col": 1e-4}}}}
    c = xbar.Core(tree, 256, 256, seed=1)
    c.program(np.random.default_rng(0).uniform(-1, 1, (256, 256)))
    return c


def test_wrong_thread_conflicting_call_fails_at_once():
    # While one thread runs an MVM, a call that changes the same core from another
    # thread fails with INVALID_ARGUMENT ("in use"), it does not wait or race; close()
    # from the other thread is refused the same way rather than freeing the core.
    c = big_busy_core()
    x = np.random.default_rng(1).uniform(-1, 1, (64, 256))
    started, done, stop = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def worker():
        started.set()
        try:
            for _ in range(50):
                if stop.is_set():
                    break
                c.mvm(x)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    started.wait()
    seen = set()
    deadline = time.monotonic() + 60
    while not done.is_set() and time.monotonic() < deadline and len(seen) < 2:
        try:
            c.set_time(0.0)
        except xbar.InvalidArgumentError as e:
            assert "in use" in str(e)
            seen.add("set_time")
        try:
            c.close()
        except xbar.InvalidArgumentError as e:
            assert "in use" in str(e)
            seen.add("close")
        time.sleep(0.001)
    stop.set()
    t.join()
    assert not errors, errors
    assert seen == {"set_time", "close"}, "the conflicting calls never met the running MVM"
    still_works_big = c.mvm(x[:1])
    assert still_works_big.shape == (1, 256)
    c.close()


def test_cuda_backend_without_a_gpu_is_a_clear_error_or_works():
    p = {"simulation": {"backend": "cuda"}}
    w = np.arange(12.0).reshape(3, 4) / 12
    try:
        core = xbar.Core(p, 3, 4)
    except (xbar.BackendUnavailableError, xbar.UnsupportedError) as e:
        assert "cuda" in str(e).lower()
        return
    core.program(w)  # a machine with a GPU: the products agree with the CPU's
    cpu = xbar.Core({}, 3, 4)
    cpu.program(w)
    np.testing.assert_allclose(core.mvm(np.ones(4)), cpu.mvm(np.ones(4)), rtol=1e-5, atol=1e-6)
