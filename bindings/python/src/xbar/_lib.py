"""Loading of libxbar and the ctypes prototypes of the C API (include/xbar.h).

Every function of the header is declared here with its exact argument and
result types, so that ctypes converts and checks each argument. Calls through
a ``ctypes.CDLL`` release the GIL for their whole duration.

The library is the ``libxbar.so`` that the wheel carries next to this file;
the environment variable ``XBAR_LIB`` names another one (a full path).
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import POINTER, c_char_p, c_double, c_float, c_int, c_size_t, c_uint32, c_uint64, c_void_p

from ._errors import Error, raise_for_status

#: The major version of the C API this package was written for; a library of
#: another major version is refused (the ABI only grows within one).
ABI_MAJOR = 0
#: The oldest library this package works with: (major << 16) | (minor << 8) | patch.
MIN_VERSION_NUMBER = (0 << 16) | (1 << 8) | 0


def _library_name() -> str:
    if sys.platform == "darwin":
        return "libxbar.dylib"
    if sys.platform == "win32":
        return "xbar.dll"
    return "libxbar.so"


def library_path() -> str:
    """The path of the shared library this package loads (``XBAR_LIB`` or the bundled one)."""
    env = os.environ.get("XBAR_LIB")
    if env:
        return env
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), _library_name())


def _load() -> ctypes.CDLL:
    path = library_path()
    if not os.path.exists(path):
        raise ImportError(
            f"xbar: the shared library {path} is missing; reinstall the package "
            "(pip install ./bindings/python) or set XBAR_LIB to a libxbar.so"
        )
    return ctypes.CDLL(path)


lib = _load()

_handle_out = POINTER(c_void_p)
_status = c_int
_D = c_void_p  # data buffers are passed as raw addresses (numpy's .ctypes.data)

# (name, result type, argument types), in the order of include/xbar.h.
_PROTOTYPES = [
    ("xbar_version", c_char_p, []),
    ("xbar_version_number", c_uint32, []),
    ("xbar_status_string", c_char_p, [c_int]),
    ("xbar_last_error_message", c_char_p, []),
    ("xbar_set_num_threads", _status, [c_size_t]),
    ("xbar_params_new", _status, [_handle_out]),
    ("xbar_params_from_json", _status, [c_char_p, _handle_out]),
    ("xbar_params_preset", _status, [c_char_p, _handle_out]),
    ("xbar_params_to_json", _status, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    ("xbar_params_set", _status, [c_void_p, c_char_p, c_char_p]),
    ("xbar_params_get", _status, [c_void_p, c_char_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    ("xbar_params_free", None, [c_void_p]),
    ("xbar_core_new", _status, [c_void_p, c_size_t, c_size_t, c_uint64, _handle_out]),
    ("xbar_core_free", None, [c_void_p]),
    ("xbar_core_rows", c_size_t, [c_void_p]),
    ("xbar_core_cols", c_size_t, [c_void_p]),
    ("xbar_core_program", _status, [c_void_p, _D, c_size_t, c_size_t, c_uint32]),
    ("xbar_core_program_f32", _status, [c_void_p, _D, c_size_t, c_size_t, c_uint32]),
    ("xbar_core_program_complex", _status, [c_void_p, _D, c_size_t, c_size_t, c_uint32]),
    ("xbar_core_read", _status, [c_void_p, _D, c_size_t, c_size_t, c_uint32]),
    ("xbar_core_read_f32", _status, [c_void_p, _D, c_size_t, c_size_t, c_uint32]),
    ("xbar_core_read_complex", _status, [c_void_p, _D, c_size_t, c_size_t, c_uint32]),
    ("xbar_core_mvm", _status, [c_void_p, _D, c_size_t, c_size_t, _D, c_size_t]),
    ("xbar_core_mvm_f32", _status, [c_void_p, _D, c_size_t, c_size_t, _D, c_size_t]),
    ("xbar_core_mvm_complex", _status, [c_void_p, _D, c_size_t, c_size_t, _D, c_size_t]),
    ("xbar_core_vmm", _status, [c_void_p, _D, c_size_t, c_size_t, _D, c_size_t]),
    ("xbar_core_vmm_f32", _status, [c_void_p, _D, c_size_t, c_size_t, _D, c_size_t]),
    ("xbar_core_vmm_complex", _status, [c_void_p, _D, c_size_t, c_size_t, _D, c_size_t]),
    ("xbar_core_update", _status, [c_void_p, _D, _D, c_size_t, c_double]),
    ("xbar_core_update_f32", _status, [c_void_p, _D, _D, c_size_t, c_float]),
    ("xbar_core_set_time", _status, [c_void_p, c_double]),
    ("xbar_lut_load", _status, [c_char_p, _handle_out]),
    ("xbar_lut_free", None, [c_void_p]),
    ("xbar_core_set_lut", _status, [c_void_p, c_void_p]),
    ("xbar_lut_from_pulse_trains", _status, [c_char_p, c_char_p, c_char_p]),
    ("xbar_core_save", _status, [c_void_p, c_char_p]),
    ("xbar_core_load", _status, [c_char_p, _handle_out]),
    ("xbar_core_serialize", _status, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    ("xbar_core_deserialize", _status, [c_void_p, c_size_t, _handle_out]),
    ("xbar_core_export_spice", _status, [c_void_p, _D, c_size_t, c_void_p, c_size_t, POINTER(c_size_t)]),
    ("xbar_core_cost_json", _status, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    ("xbar_core_cost_reset", _status, [c_void_p]),
    ("xbar_core_array_count", _status, [c_void_p, POINTER(c_size_t)]),
    ("xbar_core_array_layout", _status, [c_void_p, _D, c_size_t]),
    ("xbar_core_conductance_count", _status, [c_void_p, POINTER(c_size_t)]),
    ("xbar_core_conductances", _status, [c_void_p, _D, c_size_t]),
    ("xbar_core_drift_compensation", _status, [c_void_p, POINTER(c_double)]),
]

for _name, _res, _args in _PROTOTYPES:
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args


def check(status: int) -> None:
    """Raises the exception class of ``status`` with this thread's library message; OK passes."""
    if status != 0:
        raise_for_status(status, lib.xbar_last_error_message().decode("utf-8", "replace"))


def handle(out: ctypes.c_void_p) -> int:
    """The handle a successful ``xbar_*_new``-style call wrote into ``out``."""
    if not out.value:
        raise_for_status(13, "xbar: a call reported success but returned no handle")
    return int(out.value)  # type: ignore[arg-type]


def status_string(status: int) -> str:
    """The library's static text for a status code."""
    return lib.xbar_status_string(status).decode("utf-8", "replace")


def text_query(call) -> bytes:
    """Runs a query-size-then-fill C call ``call(buf, cap, len_ptr)`` (first with ``cap``
    0 to learn the size, then with a buffer of that size) and returns the ``*len``
    bytes it wrote: a text with its terminating NUL, or binary state."""
    n = c_size_t(0)
    status = call(None, 0, ctypes.byref(n))
    if status not in (0, 10):  # OK (empty) or BUFFER_TOO_SMALL
        check(status)
    while True:
        buf = ctypes.create_string_buffer(max(n.value, 1))
        need = c_size_t(0)
        status = call(buf, len(buf), ctypes.byref(need))
        if status == 10 and need.value > len(buf):  # grew in between: ask again
            n = need
            continue
        check(status)
        return buf.raw[: need.value]


def version() -> str:
    """The library version, "MAJOR.MINOR.PATCH"."""
    return lib.xbar_version().decode()


def version_number() -> int:
    """The library version as ``MAJOR << 16 | MINOR << 8 | PATCH``."""
    return int(lib.xbar_version_number())


_v = version_number()
if _v >> 16 != ABI_MAJOR or _v < MIN_VERSION_NUMBER:
    raise ImportError(
        f"xbar: {library_path()} is version {version()}; this package needs "
        f"{ABI_MAJOR}.x at least {MIN_VERSION_NUMBER >> 16}.{(MIN_VERSION_NUMBER >> 8) & 255}"
    )

__all__ = ["lib", "check", "handle", "status_string", "text_query", "version", "version_number", "library_path", "Error"]
