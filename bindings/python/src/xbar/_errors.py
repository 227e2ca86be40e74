"""Exceptions: one class per status code of the C API, all subclasses of :class:`Error`.

Each class also derives from the built-in exception a Python user would
expect (``ShapeError`` is a ``ValueError``, ``IoError`` an ``OSError``, ...),
so ``except ValueError`` keeps working. The message is the library's own
(``xbar_last_error_message()``): it starts with the C function's name and
names the offending argument, size, value or parameter path.
"""

from __future__ import annotations


class Error(Exception):
    """Base class of every error raised by xbar.

    Attributes:
        status: the C API's status code (``xbar_status``), e.g. 3 for SHAPE.
        name: the status name without its ``XBAR_ERR_`` prefix, e.g. ``"SHAPE"``.
    """

    status: int = 0
    name: str = "OK"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NullArgumentError(Error, ValueError):
    """NULL_ARGUMENT (1): a required argument was missing (in Python: a closed handle)."""

    status, name = 1, "NULL_ARGUMENT"


class InvalidArgumentError(Error, ValueError):
    """INVALID_ARGUMENT (2): a value outside its domain (NaN or infinite input, a data
    type that cannot be converted, a core in use by another thread, ...)."""

    status, name = 2, "INVALID_ARGUMENT"


class ShapeError(Error, ValueError):
    """SHAPE (3): an array whose size does not match the core (the message names both)."""

    status, name = 3, "SHAPE"


class ParamsError(Error, ValueError):
    """PARAMS (4): parameters that are inconsistent, unknown or out of range."""

    status, name = 4, "PARAMS"


class ParseError(Error, ValueError):
    """PARSE (5): JSON text or a data file that could not be parsed."""

    status, name = 5, "PARSE"


class UnsupportedError(Error, NotImplementedError):
    """UNSUPPORTED (6): a valid request that this configuration or build cannot carry out."""

    status, name = 6, "UNSUPPORTED"


class BackendUnavailableError(Error, RuntimeError):
    """BACKEND_UNAVAILABLE (7): the requested compute backend is not usable here."""

    status, name = 7, "BACKEND_UNAVAILABLE"


class NotProgrammedError(Error, RuntimeError):
    """NOT_PROGRAMMED (8): read, mvm, vmm or update on a core that has not been programmed."""

    status, name = 8, "NOT_PROGRAMMED"


class NoConvergenceError(Error, RuntimeError):
    """NO_CONVERGENCE (9): a circuit solver that did not converge."""

    status, name = 9, "NO_CONVERGENCE"


class BufferTooSmallError(Error, RuntimeError):
    """BUFFER_TOO_SMALL (10): an output buffer too small (handled inside the package)."""

    status, name = 10, "BUFFER_TOO_SMALL"


class OutOfMemoryError(Error, MemoryError):
    """OUT_OF_MEMORY (11): an allocation that could not be satisfied."""

    status, name = 11, "OUT_OF_MEMORY"


class IoError(Error, OSError):
    """IO (12): a file that could not be read or written (the message names the path)."""

    status, name = 12, "IO"

    def __str__(self) -> str:  # OSError's own __str__ would format (errno, strerror)
        return self.message


class InternalError(Error, RuntimeError):
    """INTERNAL (13): a bug in xbar (a caught panic), or a core poisoned by one."""

    status, name = 13, "INTERNAL"


#: status code -> exception class
BY_STATUS = {
    cls.status: cls
    for cls in (
        NullArgumentError,
        InvalidArgumentError,
        ShapeError,
        ParamsError,
        ParseError,
        UnsupportedError,
        BackendUnavailableError,
        NotProgrammedError,
        NoConvergenceError,
        BufferTooSmallError,
        OutOfMemoryError,
        IoError,
        InternalError,
    )
}


class UnknownStatusError(Error, RuntimeError):
    """A status code this package does not know (a newer library)."""


def raise_for_status(status: int, message: str) -> None:
    """Raises the class of ``status`` with ``message``; a code this package does not
    know raises :class:`UnknownStatusError` with ``status`` set."""
    cls = BY_STATUS.get(status)
    if cls is None:
        err = UnknownStatusError(message)
        err.status, err.name = status, f"STATUS_{status}"
        raise err
    raise cls(message)
