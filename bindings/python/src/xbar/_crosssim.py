"""CrossSim's calling convention: ``AnalogCore(matrix, params)`` with ``core @ x``."""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from ._core import Core
from ._errors import ParamsError, ShapeError, UnsupportedError
from ._params import Params, json_tree


def _crosssim_params(params: Any) -> Params:
    """A new Params for CrossSim-style ``params``.

    CrossSim keeps conductances in double precision; xbar stores them in float32
    unless ``simulation.conductance_precision`` says otherwise. So parameters given
    the CrossSim way (dict, JSON text or file, CrossSimParameters, None) get
    ``"float64"`` unless they set the key themselves: then ``AnalogCore`` gives
    CrossSim's numbers. An :class:`xbar.Params` is used exactly as it is.
    """
    if isinstance(params, (list, tuple)):
        # CrossSim accepts one parameter object per partition; xbar has one per core.
        texts = {Params(p).to_json() for p in params}
        if len(texts) != 1:
            raise UnsupportedError("AnalogCore: different parameters per partition are not supported")
        params = params[0]
    if isinstance(params, Params):
        return params.copy()
    if isinstance(params, CrossSimParameters):
        params = params.to_dict()
    tree = json_tree(params) or {}
    p = Params(tree)
    if "conductance_precision" not in (tree.get("simulation") or {}):
        p.set("simulation.conductance_precision", "float64")
    return p


class AnalogCore:
    """A matrix on analog arrays, called as CrossSim 3.2's ``AnalogCore``.

    ``AnalogCore(matrix, params=None, empty_matrix=False, *, seed=0)``:
    ``matrix`` is the ``(rows, cols)`` weight matrix (real, or complex with
    ``core.complex_matrix``); ``params`` a CrossSim ``CrossSimParameters``, its
    JSON text, a JSON file path, a nested dict, or an :class:`xbar.Params`
    (see :func:`_crosssim_params` for the conductance precision). ``seed`` keys
    the core's random streams (CrossSim uses NumPy's global generator instead).

    Products, in CrossSim's shapes:

    * ``core @ x``: ``x`` of shape ``(cols,)`` gives ``(rows,)``; ``(cols, batch)``
      gives ``(rows, batch)`` (one input per column). A Fortran-ordered ``x``
      (e.g. ``X.T`` of a C array) is passed without a copy, and the result is
      returned in Fortran order.
    * ``x @ core``: ``(rows,)`` gives ``(cols,)``; ``(batch, rows)`` gives
      ``(batch, cols)`` (one input per row).
    * ``core.T @ x`` equals ``x.T @ core`` transposed, as in CrossSim.
    """

    def __init__(self, matrix: Any, params: Any = None, empty_matrix: bool = False, *, seed: int = 0) -> None:
        m = np.asarray(matrix)
        if m.ndim != 2:
            raise ShapeError(f"AnalogCore: expected a 2-D matrix, got shape {m.shape}")
        p = _crosssim_params(params)
        try:
            self.core = Core(p, m.shape[0], m.shape[1], seed)
        finally:
            p.close()
        self.dtype = np.dtype(np.complex128) if self.core.is_complex or m.dtype.kind == "c" else np.dtype(np.float64)
        if not empty_matrix:
            self.set_matrix(m)

    @property
    def shape(self):
        """``(rows, cols)`` of the matrix."""
        return self.core.shape

    @property
    def T(self) -> "TransposedCore":
        """The transposed matrix: ``core.T @ x`` runs the VMM."""
        return TransposedCore(self)

    def set_matrix(self, matrix: Any, verbose: bool = False, error_mask: Optional[Any] = None) -> None:
        """Programs ``matrix`` (same shape as the core). ``verbose`` is accepted and
        ignored; ``error_mask`` (CrossSim's partial programming) is not supported."""
        if error_mask is not None:
            raise UnsupportedError("AnalogCore.set_matrix: error_mask is not supported")
        self.core.program(matrix)

    def get_matrix(self) -> np.ndarray:
        """The programmed matrix read back in weight units (clipping, quantisation,
        programming error and drift included; no read noise)."""
        return self.core.read()

    def matvec(self, vec: Any) -> np.ndarray:
        """``W @ vec`` for one vector of shape ``(cols,)``."""
        v = np.asarray(vec)
        if v.ndim != 1:
            raise ShapeError(f"AnalogCore.matvec: expected shape ({self.shape[1]},), got {v.shape}")
        return self.core.mvm(v)

    def matmat(self, mat: Any) -> np.ndarray:
        """``W @ mat`` for ``mat`` of shape ``(cols, batch)``; result ``(rows, batch)``."""
        x = np.asarray(mat)
        if x.ndim != 2:
            raise ShapeError(f"AnalogCore.matmat: expected shape ({self.shape[1]}, batch), got {x.shape}")
        # (cols, batch) in Fortran order is (batch, cols) in C order: no copy.
        return self.core.mvm(x.T).T

    def vecmat(self, vec: Any) -> np.ndarray:
        """``vec @ W`` for one vector of shape ``(rows,)``."""
        v = np.asarray(vec)
        if v.ndim != 1:
            raise ShapeError(f"AnalogCore.vecmat: expected shape ({self.shape[0]},), got {v.shape}")
        return self.core.vmm(v)

    def rmatmat(self, mat: Any) -> np.ndarray:
        """``mat @ W`` for ``mat`` of shape ``(batch, rows)``; result ``(batch, cols)``."""
        x = np.asarray(mat)
        if x.ndim != 2:
            raise ShapeError(f"AnalogCore.rmatmat: expected shape (batch, {self.shape[0]}), got {x.shape}")
        return self.core.vmm(x)

    def __matmul__(self, other: Any) -> np.ndarray:
        x = np.asarray(other)
        if x.ndim == 1:
            return self.matvec(x)
        if x.ndim == 2:
            return self.matmat(x)
        raise ShapeError(f"AnalogCore @ x: x must be 1-D or 2-D, got shape {x.shape}")

    def __rmatmul__(self, other: Any) -> np.ndarray:
        x = np.asarray(other)
        if x.ndim == 1:
            return self.vecmat(x)
        if x.ndim == 2:
            return self.rmatmat(x)
        raise ShapeError(f"x @ AnalogCore: x must be 1-D or 2-D, got shape {x.shape}")

    # NumPy must not treat the core as an array operand: ``ndarray @ core`` then
    # falls back to ``core.__rmatmul__``.
    __array_ufunc__ = None

    def __getitem__(self, item: Any):
        raise UnsupportedError(
            "AnalogCore: slicing views are not supported; create a core for the sub-matrix you need"
        )

    def close(self) -> None:
        """Frees the core now (it is also freed when garbage collected)."""
        self.core.close()

    def __repr__(self) -> str:
        return f"<xbar.AnalogCore shape={self.shape} dtype={self.dtype}>"


class TransposedCore:
    """``AnalogCore.T``: the transposed matrix, sharing the parent's core."""

    def __init__(self, parent: AnalogCore) -> None:
        self.parent = parent

    @property
    def shape(self):
        r, c = self.parent.shape
        return (c, r)

    @property
    def T(self) -> AnalogCore:
        return self.parent

    def get_matrix(self) -> np.ndarray:
        return self.parent.get_matrix().T

    def __matmul__(self, other: Any) -> np.ndarray:
        x = np.asarray(other)
        if x.ndim == 1:
            return self.parent.vecmat(x)
        if x.ndim == 2:  # W.T @ X = (X.T @ W).T
            return self.parent.rmatmat(x.T).T
        raise ShapeError(f"AnalogCore.T @ x: x must be 1-D or 2-D, got shape {x.shape}")

    def __rmatmul__(self, other: Any) -> np.ndarray:
        x = np.asarray(other)
        if x.ndim == 1:
            return self.parent.matvec(x)
        if x.ndim == 2:  # X @ W.T = (W @ X.T).T
            return self.parent.matmat(x.T).T
        raise ShapeError(f"x @ AnalogCore.T: x must be 1-D or 2-D, got shape {x.shape}")

    __array_ufunc__ = None



class CrossSimParameters:
    """CrossSim's parameter object, attribute by attribute, over an :class:`xbar.Params`.

    ``params = CrossSimParameters()`` then ``params.xbar.adc.mvm.bits = 8`` or
    ``params.core.style = "BALANCED"``: each attribute assignment is
    ``Params.set("xbar.adc.mvm.bits", 8)`` (validated at once: a bad value or an
    unknown name raises :class:`ParamsError`); reading a leaf gives its value
    (enums as CrossSim's integers), reading a group gives another view.
    ``CrossSimParameters.from_json(path_or_text)``, ``to_json()`` and
    ``to_dict()`` as in CrossSim. :class:`AnalogCore` takes it as ``params``.
    """

    __slots__ = ("_params", "_path")

    def __init__(self, source: Any = None, _path: str = "") -> None:
        p = source if isinstance(source, Params) and _path else Params(source)
        object.__setattr__(self, "_params", p)
        object.__setattr__(self, "_path", _path)

    @classmethod
    def from_json(cls, source: Any) -> "CrossSimParameters":
        """From a JSON file path or JSON text (CrossSim's or xbar's)."""
        return cls(source)

    @property
    def params(self) -> Params:
        """The underlying :class:`xbar.Params` (shared, not copied)."""
        return self._params

    def _full(self, name: str) -> str:
        return f"{self._path}.{name}" if self._path else name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        path = self._full(name)
        try:
            value = self._params.get(path)
        except ParamsError as e:
            raise AttributeError(str(e)) from None
        if isinstance(value, dict):
            return CrossSimParameters(self._params, path)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, CrossSimParameters):
            value = value.to_dict()
        self._params.set(self._full(name), value)

    def to_dict(self) -> Dict[str, Any]:
        """This group (the whole set at the top) as a nested dict."""
        return self._params.get(self._path) if self._path else self._params.to_dict()

    def to_json(self, filepath: Any = None) -> str:
        """The whole set as JSON text; with ``filepath``, also written to that file."""
        text = self._params.to_json()
        if filepath is not None:
            with open(filepath, "w", encoding="utf-8") as f:
                f.write(text)
        return text

    def __repr__(self) -> str:
        return f"<xbar.CrossSimParameters {self._path or '(root)'}>"
