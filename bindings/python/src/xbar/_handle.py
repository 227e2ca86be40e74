"""Ownership of one C handle: freed exactly once, never while a call uses it."""

from __future__ import annotations

import threading
from typing import Callable, Optional

from ._errors import InvalidArgumentError, NullArgumentError


class Handle:
    """Owns a C handle (an address) and the function that frees it.

    Every call into the library goes through :meth:`use`, which counts the
    calls in flight: :meth:`close` while a call on another thread still runs
    raises :class:`InvalidArgumentError` (as the library does for a conflicting
    call) instead of freeing memory under it; a closed handle raises
    :class:`NullArgumentError`. Freed by ``close()``, by ``with``, or when the
    object is garbage collected.
    """

    _kind = "handle"

    def __init__(self, address: int, free: Callable[[int], None]) -> None:
        self._guard = threading.Lock()
        self._busy = 0
        self._address: Optional[int] = address
        self._free = free

    def _acquire(self, what: str) -> int:
        with self._guard:
            if self._address is None:
                raise NullArgumentError(f"{what}: this {self._kind} is closed")
            self._busy += 1
            return self._address

    def _release(self) -> None:
        with self._guard:
            self._busy -= 1

    def use(self, what: str) -> "_Use":
        """Context manager giving the live address for the duration of one call."""
        return _Use(self, what)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._address is None

    def close(self) -> None:
        """Frees the C object now; later calls raise NullArgumentError. Idempotent."""
        with self._guard:
            if self._address is None:
                return
            if self._busy:
                raise InvalidArgumentError(
                    f"{type(self).__name__}.close: this {self._kind} is in use by a call on another thread"
                )
            address, self._address = self._address, None
        self._free(address)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        # Only reached when no reference (hence no call) is left.
        address = getattr(self, "_address", None)
        if address is not None:
            self._address = None
            self._free(address)


class _Use:
    __slots__ = ("_h", "_what")

    def __init__(self, h: Handle, what: str) -> None:
        self._h, self._what = h, what

    def __enter__(self) -> int:
        return self._h._acquire(self._what)

    def __exit__(self, *exc) -> None:
        self._h._release()
