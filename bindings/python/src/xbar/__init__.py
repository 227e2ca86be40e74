"""xbar: analog in-memory computing on resistive crossbars, from Python.

A thin layer over xbar's C API (``include/xbar.h``) through ctypes: every
operation is one C call, made with the GIL released; every failing status
raises a subclass of :class:`xbar.Error` carrying the library's message.

* :class:`Params`: parameter sets (CrossSim 3.x's tree; presets, JSON, dicts,
  dotted-path get/set).
* :class:`Core`: a matrix on crossbar arrays (program, read, mvm, vmm, update,
  set_time, save/load, export_spice, lookup tables).
* :class:`AnalogCore`: CrossSim's calling convention, ``AnalogCore(W, params) @ x``.
* :func:`set_num_threads`, :func:`version`.
"""

from ._errors import (
    BackendUnavailableError,
    BufferTooSmallError,
    Error,
    InternalError,
    InvalidArgumentError,
    IoError,
    NoConvergenceError,
    NotProgrammedError,
    NullArgumentError,
    OutOfMemoryError,
    ParamsError,
    ParseError,
    ShapeError,
    UnknownStatusError,
    UnsupportedError,
)
from ._lib import library_path, status_string, version, version_number
from ._params import PRESETS, Params
from ._core import Core, LookupTable, set_num_threads
from ._crosssim import AnalogCore, CrossSimParameters, TransposedCore

__version__ = "0.1.0"

__all__ = [
    "AnalogCore",
    "BackendUnavailableError",
    "BufferTooSmallError",
    "Core",
    "CrossSimParameters",
    "Error",
    "InternalError",
    "InvalidArgumentError",
    "IoError",
    "LookupTable",
    "NoConvergenceError",
    "NotProgrammedError",
    "NullArgumentError",
    "OutOfMemoryError",
    "PRESETS",
    "Params",
    "ParamsError",
    "ParseError",
    "ShapeError",
    "TransposedCore",
    "UnknownStatusError",
    "UnsupportedError",
    "library_path",
    "set_num_threads",
    "status_string",
    "version",
    "version_number",
]

# Public classes show as xbar.Name in tracebacks and reprs.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = "xbar"
del _name, _obj
