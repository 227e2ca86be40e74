"""xbar.Core: one simulated matrix on crossbar arrays; xbar.LookupTable."""

from __future__ import annotations

import ctypes
import os
from typing import Any, Tuple, Union

import numpy as np

from ._errors import InvalidArgumentError, NullArgumentError, ShapeError
from ._handle import Handle
from ._lib import check, handle, lib, text_query
from ._params import as_params

ROW_MAJOR = 0
COL_MAJOR = 1

_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_C128 = np.dtype(np.complex128)


def _size(value: Any, what: str) -> int:
    """A non-negative int (sizes, seeds); anything else raises InvalidArgumentError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InvalidArgumentError(f"{what}: expected a non-negative integer, got {value!r}")
    value = int(value)
    if not 0 <= value < 1 << 64:
        raise InvalidArgumentError(f"{what}: expected an integer in [0, 2^64), got {value}")
    return value


def _path(path: Union[str, os.PathLike], what: str) -> bytes:
    try:
        return os.fsencode(path)
    except TypeError:
        raise InvalidArgumentError(f"{what}: expected a path, got {type(path).__name__}") from None


def _data(a: Any, what: str, complex_core: bool) -> np.ndarray:
    """``a`` as an array the C API takes: float64, float32 or complex128.

    float64, float32 and complex128 arrays pass as they are (complex128 only to a
    complex call); booleans, integers and float16 become float64, complex64 becomes
    complex128, and a real array given to a complex core becomes complex128: one
    conversion, one copy. Other types (objects, strings, datetimes) raise
    InvalidArgumentError. Contiguity is the caller's business.
    """
    a = np.asarray(a)
    dt = a.dtype
    if dt.kind == "c" or complex_core:
        if dt.kind not in "biufc":
            raise InvalidArgumentError(f"{what}: data type {dt} is not numeric")
        return a if dt == _C128 else a.astype(_C128)
    if dt == _F64 or dt == _F32:
        return a
    if dt.kind in "biuf":
        return a.astype(_F64)
    raise InvalidArgumentError(f"{what}: data type {dt} is not numeric")


def _addr(a: np.ndarray) -> int:
    """The address of a contiguous array's first byte. Through the buffer protocol for
    writable arrays (a quarter of the cost of ``a.ctypes.data``, which serves the rest)."""
    try:
        return ctypes.addressof(ctypes.c_char.from_buffer(a))  # type: ignore[arg-type]
    except (TypeError, ValueError, BufferError):  # read-only or empty
        return a.ctypes.data


def _batch(a: np.ndarray, what: str) -> Tuple[np.ndarray, int, bool]:
    """A 1-D vector or 2-D (batch, n) array as C-contiguous 2-D memory, its batch, and
    whether it was 1-D. Non-contiguous or Fortran-ordered 2-D arrays are copied once."""
    if a.ndim == 1:
        return np.ascontiguousarray(a).reshape(1, -1), 1, True
    if a.ndim == 2:
        return np.ascontiguousarray(a), a.shape[0], False
    raise ShapeError(f"{what}: expected a 1-D vector or a 2-D (batch, n) array, got shape {a.shape}")


class Core(Handle):
    """A ``rows x cols`` matrix simulated on crossbar arrays (an ``xbar_core``).

    ``Core(params, rows, cols, seed=0)``: ``params`` is a :class:`Params` or anything
    ``Params()`` accepts (dict, JSON text, file path). The core copies the
    parameters. ``seed`` (an unsigned 64-bit integer) is the core's only source
    of randomness: the same seed, parameters and calls give the same bits.

    Data: NumPy arrays (or anything ``np.asarray`` takes). float64, float32 and
    complex128 go to the matching C call without a copy when they are
    C-contiguous (weights may also be Fortran-contiguous); other numeric types
    are converted once (to float64, or complex128 for complex data) and
    non-contiguous arrays copied once. Results are new arrays of the input's
    type (float32 in, float32 out; complex on complex cores).

    Every call releases the GIL while the library works. One core needs
    exclusive access for a call that changes it (mvm, vmm, program, update,
    set_time): a conflicting call from another thread raises
    :class:`InvalidArgumentError` at once. Distinct cores run in parallel.
    """

    _kind = "core"

    def __init__(self, params: Any, rows: int, cols: int, seed: int = 0) -> None:
        rows = _size(rows, "Core: rows")
        cols = _size(cols, "Core: cols")
        seed = _size(seed, "Core: seed")
        p, owned = as_params(params)
        try:
            complex_core = bool(p.get("core.complex_matrix") or p.get("core.complex_input"))
            out = ctypes.c_void_p()
            with p.use("Core") as ph:
                check(lib.xbar_core_new(ph, rows, cols, seed, ctypes.byref(out)))
        finally:
            if owned:
                p.close()
        self._init(handle(out), complex_core)

    def _init(self, address: int, complex_core: bool) -> None:
        Handle.__init__(self, address, lib.xbar_core_free)
        self._rows = int(lib.xbar_core_rows(address))
        self._cols = int(lib.xbar_core_cols(address))
        self._complex = complex_core

    @classmethod
    def _adopt(cls, address: int) -> "Core":
        # A core from a file or bytes: whether it is complex is learnt from the
        # library (a complex read is refused by real cores, first of all checks).
        self = cls.__new__(cls)
        self._init(address, False)
        probe = np.empty((self._rows, self._cols), _C128)
        status = lib.xbar_core_read_complex(address, _addr(probe), self._rows, self._cols, ROW_MAJOR)
        self._complex = status != 2  # INVALID_ARGUMENT: "this core is real"
        return self

    # ------------------------------------------------------------ properties

    @property
    def rows(self) -> int:
        """Matrix rows: the MVM output length, the VMM input length."""
        return self._rows

    @property
    def cols(self) -> int:
        """Matrix columns: the MVM input length, the VMM output length."""
        return self._cols

    @property
    def shape(self) -> Tuple[int, int]:
        """``(rows, cols)``."""
        return (self._rows, self._cols)

    @property
    def is_complex(self) -> bool:
        """True for a complex core (``core.complex_matrix`` or ``core.complex_input``)."""
        return self._complex

    def __repr__(self) -> str:
        state = " (closed)" if self.closed else ""
        kind = " complex" if self._complex else ""
        return f"<xbar.Core {self._rows}x{self._cols}{kind}{state}>"

    # ------------------------------------------------------------ weights

    def program(self, w: Any) -> None:
        """Programs the ``(rows, cols)`` matrix ``w`` into the arrays (programming
        error applies). C- or Fortran-contiguous float64/float32/complex128 arrays
        are passed without a copy. Every value must be finite."""
        w = _data(w, "Core.program", self._complex)
        if w.ndim != 2:
            raise ShapeError(f"Core.program: expected a 2-D (rows, cols) matrix, got shape {w.shape}")
        if w.flags.c_contiguous:
            layout = ROW_MAJOR
        elif w.flags.f_contiguous:
            layout = COL_MAJOR
        else:
            w, layout = np.ascontiguousarray(w), ROW_MAJOR
        f = {_F64: lib.xbar_core_program, _F32: lib.xbar_core_program_f32, _C128: lib.xbar_core_program_complex}
        with self.use("Core.program") as h:
            check(f[w.dtype](h, _addr(w), w.shape[0], w.shape[1], layout))

    def read(self, dtype: Any = None, order: str = "C") -> np.ndarray:
        """The effective weights as the arrays store them now (after programming error
        and drift, without read noise), in weight units, shape ``(rows, cols)``.
        ``dtype``: float64 (default) or float32 for real cores, complex128 for complex
        ones; ``order``: ``"C"`` or ``"F"`` (the library writes either layout)."""
        if dtype is None:
            dt = _C128 if self._complex else _F64
        else:
            dt = np.dtype(dtype)
        f = {_F64: lib.xbar_core_read, _F32: lib.xbar_core_read_f32, _C128: lib.xbar_core_read_complex}.get(dt)
        if f is None:
            raise InvalidArgumentError(f"Core.read: dtype must be float64, float32 or complex128, got {dt}")
        if order not in ("C", "F"):
            raise InvalidArgumentError(f"Core.read: order must be 'C' or 'F', got {order!r}")
        out = np.empty((self._rows, self._cols), dt, order="C" if order == "C" else "F")
        with self.use("Core.read") as h:
            check(f(h, _addr(out), self._rows, self._cols, ROW_MAJOR if order == "C" else COL_MAJOR))
        return out

    # ------------------------------------------------------------ products

    def _product(self, what: str, x: Any, n_out: int, fns, out: Any) -> np.ndarray:
        x, batch, vector = _batch(_data(x, what, self._complex), what)
        if out is None:
            y = np.empty((batch, n_out), x.dtype)
        else:
            want = (n_out,) if vector else (batch, n_out)
            if not isinstance(out, np.ndarray) or out.shape != want or out.dtype != x.dtype:
                got = f"{out.dtype} {out.shape}" if isinstance(out, np.ndarray) else type(out).__name__
                raise ShapeError(f"{what}: out must be a {x.dtype} array of shape {want}, got {got}")
            if not (out.flags.c_contiguous and out.flags.writeable):
                raise InvalidArgumentError(f"{what}: out must be C-contiguous and writable")
            y = out.reshape(batch, n_out)
        # The guard of Handle.use, inlined: this is the per-call path.
        guard = self._guard
        with guard:
            h = self._address
            if h is None:
                raise NullArgumentError(f"{what}: this core is closed")
            self._busy += 1
        try:
            status = fns[x.dtype](h, _addr(x), batch, x.shape[1], _addr(y), n_out)
        finally:
            with guard:
                self._busy -= 1
        if status:
            check(status)
        if out is not None:
            return out
        return y[0] if vector else y

    def mvm(self, x: Any, out: Any = None) -> np.ndarray:
        """Matrix-vector products ``y = W x``: ``x`` of shape ``(cols,)`` gives ``(rows,)``;
        ``(batch, cols)`` gives ``(batch, rows)``, one product per row of ``x`` (the
        same numbers as one call per vector). Through DAC, arrays and ADC as the
        parameters say; read noise advances the core's random stream. ``out``: an
        array of the result's shape and type (C-contiguous) to write into instead
        of a new one; it is returned. It must not overlap ``x``."""
        return self._product("Core.mvm", x, self._rows, _MVM, out)

    def vmm(self, v: Any, out: Any = None) -> np.ndarray:
        """Vector-matrix products ``y = v W`` (the transpose direction, with the VMM
        periphery): ``(rows,)`` gives ``(cols,)``; ``(batch, rows)`` gives ``(batch, cols)``;
        ``out`` as in :meth:`mvm`."""
        return self._product("Core.vmm", v, self._cols, _VMM, out)

    def update(self, x: Any, d: Any, lr: float) -> None:
        """Outer-product update through the device update model:
        ``W += lr * sum_b outer(d[b], x[b])`` with ``x`` of shape ``(batch, cols)`` (or
        ``(cols,)``) and ``d`` of shape ``(batch, rows)`` (or ``(rows,)``); ``lr >= 0``.
        float32 ``x`` and ``d`` call the single-precision entry point."""
        xa = _data(x, "Core.update", False)
        da = _data(d, "Core.update", False)
        if xa.dtype.kind == "c" or da.dtype.kind == "c":
            raise InvalidArgumentError("Core.update: complex data cannot update a core")
        f32 = xa.dtype == _F32 and da.dtype == _F32
        dt = _F32 if f32 else _F64
        xa, bx, _ = _batch(xa.astype(dt, copy=False), "Core.update: x")
        da, bd, _ = _batch(da.astype(dt, copy=False), "Core.update: d")
        if bx != bd:
            raise ShapeError(f"Core.update: x has {bx} rows (the batch) but d has {bd}")
        if xa.shape[1] != self._cols or da.shape[1] != self._rows:
            raise ShapeError(
                f"Core.update: x must be (batch, {self._cols}) and d (batch, {self._rows}); "
                f"got {xa.shape} and {da.shape}"
            )
        lr = float(lr)
        with self.use("Core.update") as h:
            if f32:
                check(lib.xbar_core_update_f32(h, _addr(xa), _addr(da), bx, lr))
            else:
                check(lib.xbar_core_update(h, _addr(xa), _addr(da), bx, lr))

    def set_time(self, seconds: float) -> None:
        """Moves the arrays to their state ``seconds`` after programming (the drift model
        of the parameters; none: no change). ``set_time(0)`` restores the programmed state."""
        with self.use("Core.set_time") as h:
            check(lib.xbar_core_set_time(h, float(seconds)))

    def set_lut(self, lut: "LookupTable") -> None:
        """Makes later updates write through the measured lookup tables ``lut``."""
        if not isinstance(lut, LookupTable):
            raise InvalidArgumentError(f"Core.set_lut: expected an xbar.LookupTable, got {type(lut).__name__}")
        with self.use("Core.set_lut") as h, lut.use("Core.set_lut") as t:
            check(lib.xbar_core_set_lut(h, t))

    def export_spice(self, x: Any) -> str:
        """An ngspice netlist (SPICE3) of the core's first array for one MVM input ``x``
        of shape ``(cols,)`` in weight units; xbar's own output currents are included
        as comment lines ``* xbar i(vy<k>) = <amperes>``."""
        xa = _data(x, "Core.export_spice", False)
        if xa.dtype.kind == "c":
            raise InvalidArgumentError("Core.export_spice: the input must be real")
        xa = np.ascontiguousarray(xa, dtype=_F64)
        if xa.ndim != 1:
            raise ShapeError(f"Core.export_spice: expected a 1-D input of {self._cols} values, got shape {xa.shape}")
        with self.use("Core.export_spice") as h:
            raw = text_query(
                lambda buf, cap, n: lib.xbar_core_export_spice(h, _addr(xa), xa.shape[0], buf, cap, n)
            )
        return raw.rstrip(b"\0").decode("utf-8")

    def cost(self) -> dict:
        """The cost report of the core's reads, decoded from the C API's JSON: ``"last_call"``
        and ``"since_program"`` (``"energy_j"`` by component in joules, ``"latency_s"``,
        ``"counts"`` of events) and ``"area_m2"`` (``xbar_core_cost_json``)."""
        import json

        with self.use("Core.cost") as h:
            raw = text_query(lambda buf, cap, n: lib.xbar_core_cost_json(h, buf, cap, n))
        return json.loads(raw.rstrip(b"\0").decode("utf-8"))

    def cost_reset(self) -> None:
        """Clears the cost counters (``"last_call"`` and ``"since_program"``)."""
        with self.use("Core.cost_reset") as h:
            check(lib.xbar_core_cost_reset(h))

    # ------------------------------------------------------------ introspection

    def array_layout(self) -> np.ndarray:
        """Every array of the programmed core, one row of nine integers each, in the
        order of :meth:`conductances`: tile row, tile column, first weight row, first
        weight column, role (0 the one array of an OFFSET block, 1 G+, 2 G-), weight
        slice, physical rows, physical columns, index of its first cell (the C API's
        ``xbar_core_array_layout``)."""
        with self.use("Core.array_layout") as h:
            n = ctypes.c_size_t()
            check(lib.xbar_core_array_count(h, ctypes.byref(n)))
            out = np.zeros((n.value, 9), dtype=np.uintp)
            check(lib.xbar_core_array_layout(h, _addr(out), out.size))
        return out.astype(np.int64)

    def conductances(self) -> np.ndarray:
        """The physical conductance of every cell of every array, in siemens, as one
        1-D float64 array: array after array (see :meth:`array_layout`), each
        row-major."""
        with self.use("Core.conductances") as h:
            n = ctypes.c_size_t()
            check(lib.xbar_core_conductance_count(h, ctypes.byref(n)))
            out = np.zeros(n.value, dtype=_F64)
            check(lib.xbar_core_conductances(h, _addr(out), out.size))
        return out

    def drift_compensation(self) -> float:
        """The global drift-compensation factor outputs are multiplied by (1 without
        ``xbar.device.drift_compensation`` or before any drift)."""
        with self.use("Core.drift_compensation") as h:
            f = ctypes.c_double()
            check(lib.xbar_core_drift_compensation(h, ctypes.byref(f)))
        return f.value

    # ------------------------------------------------------------ persistence

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Saves the whole state (parameters, conductances, drift time, random-stream
        counters, lookup tables) to ``path``, atomically; :meth:`load` continues bit
        for bit."""
        with self.use("Core.save") as h:
            check(lib.xbar_core_save(h, _path(path, "Core.save")))

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Core":
        """A core from a file written by :meth:`save`."""
        out = ctypes.c_void_p()
        check(lib.xbar_core_load(_path(path, "Core.load"), ctypes.byref(out)))
        return cls._adopt(handle(out))

    def serialize(self) -> bytes:
        """The whole state as bytes (the content of a :meth:`save` file)."""
        with self.use("Core.serialize") as h:
            return text_query(lambda buf, cap, n: lib.xbar_core_serialize(h, buf, cap, n))

    @classmethod
    def deserialize(cls, data: Union[bytes, bytearray, memoryview]) -> "Core":
        """A core from bytes written by :meth:`serialize` (or read from a saved file)."""
        try:
            data = bytes(data)
        except TypeError:
            raise InvalidArgumentError(f"Core.deserialize: expected bytes, got {type(data).__name__}") from None
        buf = ctypes.create_string_buffer(data, len(data))
        out = ctypes.c_void_p()
        check(lib.xbar_core_deserialize(buf, len(data), ctypes.byref(out)))
        return cls._adopt(handle(out))

    def __reduce__(self):
        return (Core.deserialize, (self.serialize(),))


_MVM = {_F64: lib.xbar_core_mvm, _F32: lib.xbar_core_mvm_f32, _C128: lib.xbar_core_mvm_complex}
_VMM = {_F64: lib.xbar_core_vmm, _F32: lib.xbar_core_vmm_f32, _C128: lib.xbar_core_vmm_complex}


class LookupTable(Handle):
    """Measured device lookup tables (CrossSim 2 format) for :meth:`Core.set_lut`.

    ``LookupTable(dir)`` loads ``dir``: one pair ``dG_increasing.txt`` /
    ``dG_decreasing.txt``, numbered pairs, or one sub-folder per device.
    """

    _kind = "lookup table"

    def __init__(self, directory: Union[str, os.PathLike]) -> None:
        out = ctypes.c_void_p()
        check(lib.xbar_lut_load(_path(directory, "LookupTable"), ctypes.byref(out)))
        super().__init__(handle(out), lib.xbar_lut_free)

    @staticmethod
    def from_pulse_trains(
        set_csv: Union[str, os.PathLike], reset_csv: Union[str, os.PathLike], out_dir: Union[str, os.PathLike]
    ) -> None:
        """Builds a table from pulse-train measurements (CSV columns of conductances in
        siemens, one value per pulse) and writes it in CrossSim 2's format into the
        existing folder ``out_dir``; load it with ``LookupTable(out_dir)``."""
        what = "LookupTable.from_pulse_trains"
        check(lib.xbar_lut_from_pulse_trains(_path(set_csv, what), _path(reset_csv, what), _path(out_dir, what)))


def set_num_threads(n: int) -> None:
    """Sets the number of worker threads of xbar's own pool (0: one per core, the
    default). Results never depend on it. Calls already running keep theirs."""
    check(lib.xbar_set_num_threads(_size(n, "set_num_threads")))
