"""C- or Fortran-contiguous float64, float32 and complex128 arrays reach the C call
without a copy: the address the C function receives is the array's own. Other
arrays are converted or copied once (the address differs, the numbers agree)."""

import numpy as np
import pytest

import xbar
from xbar import _core


class Recorder:
    """Stands in for a ctypes function: records the arguments, then calls it."""

    def __init__(self, f):
        self.f, self.calls = f, []

    def __call__(self, *args):
        self.calls.append(args)
        return self.f(*args)


class LibProxy:
    def __init__(self, lib):
        self._lib, self.recorders = lib, {}

    def __getattr__(self, name):
        if name not in self.recorders:
            self.recorders[name] = Recorder(getattr(self._lib, name))
        return self.recorders[name]


@pytest.fixture
def spy(monkeypatch):
    proxy = LibProxy(_core.lib)
    monkeypatch.setattr(_core, "lib", proxy)
    for table in (_core._MVM, _core._VMM):
        for dt, f in list(table.items()):
            monkeypatch.setitem(table, dt, proxy.__getattr__(f.__name__))
    return proxy.recorders


def address(a):
    return a.__array_interface__["data"][0]


def test_products_pass_the_array_itself(spy):
    core = xbar.Core({}, 6, 5)
    core.program(np.ones((6, 5)) / 2)
    for dt, name in ((np.float64, "xbar_core_mvm"), (np.float32, "xbar_core_mvm_f32")):
        x = np.ones((3, 5), dt)
        core.mvm(x)
        assert spy[name].calls[-1][1] == address(x)
    v = np.ones(6)
    core.vmm(v)
    assert spy["xbar_core_vmm"].calls[-1][1] == address(v)
    # a strided view is copied once: another address, the same numbers
    big = np.ones((3, 10))
    view = big[:, ::2]
    y = core.mvm(view)
    assert spy["xbar_core_mvm"].calls[-1][1] != address(view)
    assert np.array_equal(y, core.mvm(np.ascontiguousarray(view)))


def test_weights_in_either_order_pass_as_they_are(spy):
    core = xbar.Core({}, 6, 5)
    for order, layout in (("C", 0), ("F", 1)):
        for dt, name in ((np.float64, "xbar_core_program"), (np.float32, "xbar_core_program_f32")):
            w = np.asarray(np.arange(30).reshape(6, 5) / 30, dtype=dt, order=order)
            core.program(w)
            args = spy[name].calls[-1]
            assert args[1] == address(w) and args[4] == layout


def test_complex_data_passes_as_it_is(spy):
    core = xbar.Core({"core": {"complex_matrix": True, "complex_input": True}}, 4, 3)
    w = np.asfortranarray(np.ones((4, 3)) * (0.5 + 0.25j))
    core.program(w)
    assert spy["xbar_core_program_complex"].calls[-1][1] == address(w)
    x = np.ones((2, 3), np.complex128)
    core.mvm(x)
    assert spy["xbar_core_mvm_complex"].calls[-1][1] == address(x)


def test_analog_core_fortran_batches_are_not_copied(spy):
    a = xbar.AnalogCore(np.ones((6, 5)) / 2, {})
    X = np.asfortranarray(np.ones((5, 4)))  # CrossSim's (cols, batch), Fortran order
    a @ X
    assert spy["xbar_core_mvm"].calls[-1][1] == address(X)
    XV = np.ones((4, 6))  # (batch, rows), C order
    XV @ a
    assert spy["xbar_core_vmm"].calls[-1][1] == address(XV)
