"""xbar.Params: a parameter set (CrossSim 3.x's ``CrossSimParameters`` tree)."""

from __future__ import annotations

import ctypes
import enum
import json
import os
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

from ._errors import InvalidArgumentError
from ._handle import Handle
from ._lib import check, handle, lib, text_query

#: The presets shipped with the library (``Params.preset(name)``).
PRESETS = ("default", "ISAAC", "ISAAC-SarADC", "PRIME", "SONOS-TCAS", "aihwkit-inference", "aihwkit-hwa")


def _text(value: Union[str, bytes], what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise InvalidArgumentError(f"{what}: expected a str, got {type(value).__name__}")


def _plain(o: Any) -> Any:
    """JSON for what json.dumps does not know: enums (CrossSim's, by name), NumPy
    scalars and arrays (as Python numbers and lists)."""
    if isinstance(o, enum.Enum):
        return o.name
    if hasattr(o, "tolist") and callable(o.tolist):  # numpy scalars and arrays
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not JSON serializable")


def _dumps(value: Any) -> str:
    # json.dumps writes floats by repr: the shortest text that reads back as the same
    # double, so values survive exactly. NaN and infinities are not JSON.
    try:
        return json.dumps(value, allow_nan=False, default=_plain)
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError(f"Params: cannot encode {value!r} as JSON: {e}") from None


def flatten(tree: Mapping[str, Any], prefix: str = "") -> Iterable[Tuple[str, Any]]:
    """The leaves of a nested mapping as ``(dotted.path, value)`` pairs, in order."""
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from flatten(value, path + ".")
        else:
            yield path, value


class Params(Handle):
    """A parameter set, owning an ``xbar_params`` handle.

    ``Params()`` holds the defaults (ideal devices and periphery). Other sources:

    * ``Params(dict)``: a nested dict in CrossSim's layout (``to_dict()`` of
      another set, or ``json.load`` of a CrossSim JSON file);
    * ``Params('{"xbar": ...}')``: JSON text (a ``str`` starting with ``{``);
    * ``Params(path)``: a JSON file, xbar's or one written by CrossSim's
      ``CrossSimParameters.to_json``;
    * ``Params(other_params)``: a copy; ``Params.preset(name)``: a shipped preset;
    * an object with a ``to_json()`` method returning JSON text (a CrossSim
      ``CrossSimParameters``).

    Absent keys keep their defaults; unknown keys and bad values raise
    :class:`ParamsError` naming the dotted path. Values are read and written by
    dotted path: ``p["xbar.adc.mvm.bits"] = 8`` or ``p.set(...)``, ``p.get(...)``
    (a group path gives a dict). Enums may be given by name (``"SarADC"``) or by
    CrossSim's integer; they read back as integers.
    """

    _kind = "parameter set"

    def __init__(self, source: Any = None) -> None:
        out = ctypes.c_void_p()
        if source is None:
            check(lib.xbar_params_new(ctypes.byref(out)))
        else:
            check(lib.xbar_params_from_json(_text(_json_of(source), "Params"), ctypes.byref(out)))
        super().__init__(handle(out), lib.xbar_params_free)

    @classmethod
    def preset(cls, name: str) -> "Params":
        """A preset shipped with xbar: one of :data:`PRESETS` (CrossSim's configs)."""
        out = ctypes.c_void_p()
        check(lib.xbar_params_preset(_text(name, "Params.preset"), ctypes.byref(out)))
        return cls._adopt(handle(out))

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> "Params":
        """A parameter set from JSON text (xbar's format or CrossSim 3.x's)."""
        out = ctypes.c_void_p()
        check(lib.xbar_params_from_json(_text(text, "Params.from_json"), ctypes.byref(out)))
        return cls._adopt(handle(out))

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike]) -> "Params":
        """A parameter set from a JSON file (read as UTF-8)."""
        with open(path, encoding="utf-8") as f:
            return cls.from_json(f.read())

    @classmethod
    def from_dict(cls, tree: Mapping[str, Any]) -> "Params":
        """A parameter set from a nested dict in CrossSim's layout."""
        return cls.from_json(_dumps(dict(tree)))

    @classmethod
    def _adopt(cls, address: int) -> "Params":
        self = cls.__new__(cls)
        Handle.__init__(self, address, lib.xbar_params_free)
        return self

    def to_json(self) -> str:
        """The whole set as JSON text (CrossSim's layout, enums as integers)."""
        with self.use("Params.to_json") as h:
            raw = text_query(lambda buf, cap, n: lib.xbar_params_to_json(h, buf, cap, n))
        return raw.rstrip(b"\0").decode("utf-8")

    def to_dict(self) -> Dict[str, Any]:
        """The whole set as a nested dict; ``Params(p.to_dict())`` gives the same set."""
        return json.loads(self.to_json())

    def copy(self) -> "Params":
        """An independent copy."""
        return Params.from_json(self.to_json())

    def get(self, path: str) -> Any:
        """The value at the dotted ``path`` (e.g. ``"xbar.adc.mvm.bits"``), decoded from
        JSON: a number, bool, str, list, or a dict for a group."""
        with self.use("Params.get") as h:
            key = _text(path, "Params.get")
            raw = text_query(lambda buf, cap, n: lib.xbar_params_get(h, key, buf, cap, n))
        return json.loads(raw.rstrip(b"\0").decode("utf-8"))

    def set(self, path: str, value: Any) -> "Params":
        """Sets the value at the dotted ``path``; ``value`` is any JSON-encodable value
        (an enum by name or by integer). On failure the set is unchanged. Returns self."""
        text = _dumps(value)
        with self.use("Params.set") as h:
            check(lib.xbar_params_set(h, _text(path, "Params.set"), text.encode("utf-8")))
        return self

    def update(self, values: Mapping[str, Any]) -> "Params":
        """Sets several values: keys are dotted paths, or nested dicts whose leaves are
        set one by one (``{"xbar": {"adc": {"mvm": {"bits": 8}}}}``). Returns self."""
        for path, value in flatten(values):
            self.set(path, value)
        return self

    def __getitem__(self, path: str) -> Any:
        return self.get(path)

    def __setitem__(self, path: str, value: Any) -> None:
        self.set(path, value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Params):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self.closed:
            return "<xbar.Params (closed)>"
        return f"<xbar.Params style={self.get('core.style')} backend={self.get('simulation.backend')!r}>"

    def __reduce__(self):
        return (Params.from_json, (self.to_json(),))


def _json_of(source: Any) -> str:
    """JSON text for any source ``Params(source)`` accepts."""
    if isinstance(source, Params):
        return source.to_json()
    if isinstance(source, Mapping):
        return _dumps(dict(source))
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return source
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8") as f:
            return f.read()
    to_json = getattr(source, "to_json", None)
    if callable(to_json):
        text = to_json()
        if isinstance(text, str):
            return text
    raise InvalidArgumentError(
        f"Params: cannot read parameters from a {type(source).__name__} "
        "(give a dict, JSON text, a file path, a Params or a CrossSimParameters)"
    )


def as_params(source: Any) -> Tuple[Params, bool]:
    """``(params, owned)``: ``source`` itself when it is a Params, else a new one."""
    if isinstance(source, Params):
        return source, False
    return Params(source), True


def json_tree(source: Any) -> Optional[Dict[str, Any]]:
    """The nested dict a non-Params source describes (None for a Params or None)."""
    if source is None or isinstance(source, Params):
        return None
    return json.loads(_json_of(source))
