"""xbar.Params: presets, CrossSim JSON, dotted-path get/set, dict round trip; and the
attribute-style CrossSimParameters."""

import json
import pickle

import pytest

import xbar


def test_defaults_and_presets():
    p = xbar.Params()
    assert p["xbar.adc.mvm.bits"] == 0
    assert p["simulation.conductance_precision"] == "float32"
    for name in xbar.PRESETS:
        with xbar.Params.preset(name) as q:
            assert isinstance(q.to_dict(), dict)
    assert xbar.Params.preset("ISAAC")["xbar.adc.mvm.bits"] != 0


def test_unknown_preset_lists_the_names():
    with pytest.raises(xbar.ParamsError, match="ISAAC") as e:
        xbar.Params.preset("nope")
    assert e.value.status == 4 and e.value.name == "PARAMS"


def test_set_get_by_dotted_path_and_enum_names():
    p = xbar.Params()
    p["xbar.adc.mvm.bits"] = 8
    p.set("xbar.adc.mvm.model", "SarADC")
    assert p.get("xbar.adc.mvm.bits") == 8
    assert p["xbar.adc.mvm.model"] == "SarADC"
    p["core.style"] = "OFFSET"  # an enum by name reads back as CrossSim's integer
    assert p["core.style"] == 3
    group = p["xbar.adc.mvm"]
    assert isinstance(group, dict) and group["bits"] == 8


def test_floats_survive_exactly():
    p = xbar.Params()
    v = 0.1 + 0.2  # 0.30000000000000004
    p["xbar.device.read_noise.magnitude"] = v
    assert p["xbar.device.read_noise.magnitude"] == v


def test_failed_set_leaves_the_set_unchanged():
    p = xbar.Params()
    before = p.to_json()
    with pytest.raises(xbar.ParamsError, match="xbar.adc.mvm.bitz"):
        p["xbar.adc.mvm.bitz"] = 3
    with pytest.raises(xbar.ParamsError):
        p["xbar.adc.mvm.bits"] = "eight"
    with pytest.raises(xbar.InvalidArgumentError):
        p["xbar.device.read_noise.magnitude"] = float("nan")  # not JSON
    assert p.to_json() == before


def test_dict_and_json_round_trip():
    p = xbar.Params.preset("ISAAC")
    p["xbar.device.read_noise.enable"] = True
    d = p.to_dict()
    assert xbar.Params(d) == p
    assert xbar.Params(p.to_json()) == p
    assert xbar.Params.from_json(p.to_json()).to_dict() == d
    assert pickle.loads(pickle.dumps(p)) == p
    assert p.copy() == p and p.copy() is not p


def test_update_with_nested_and_dotted_keys():
    p = xbar.Params().update({"xbar": {"adc": {"mvm": {"bits": 6}}}, "xbar.dac.mvm.bits": 5})
    assert p["xbar.adc.mvm.bits"] == 6 and p["xbar.dac.mvm.bits"] == 5


def test_crosssim_json_file(repo, tmp_path):
    src = repo / "tests/conformance/g02_adc8_signmagnitude_calibrated_64x64/params.json"
    p = xbar.Params(src)  # a path
    assert p["xbar.adc.mvm.model"] == "SignMagnitudeADC"
    assert xbar.Params.from_file(str(src)) == p
    assert xbar.Params(json.loads(src.read_text())) == p


def test_bad_json_and_bad_sources():
    with pytest.raises(xbar.ParseError):
        xbar.Params("{not json")
    with pytest.raises(xbar.ParamsError, match="nonsense"):
        xbar.Params({"nonsense": 1})
    with pytest.raises(xbar.InvalidArgumentError):
        xbar.Params(42)
    with pytest.raises(FileNotFoundError):
        xbar.Params("/no/such/params.json")


def test_object_with_to_json_is_read():
    class FakeCrossSimParameters:
        def to_json(self):
            return '{"xbar": {"adc": {"mvm": {"bits": 7, "model": "QuantizerADC"}}}}'

    assert xbar.Params(FakeCrossSimParameters())["xbar.adc.mvm.bits"] == 7


def test_closed_params():
    p = xbar.Params()
    p.close()
    p.close()  # idempotent
    with pytest.raises(xbar.NullArgumentError, match="closed"):
        p["xbar.adc.mvm.bits"]
    with pytest.raises(xbar.NullArgumentError):
        xbar.Core(p, 4, 4)


def test_crosssim_parameters_attribute_style():
    params = xbar.CrossSimParameters()
    params.core.style = "BALANCED"
    params.xbar.adc.mvm.bits = 8
    params.xbar.adc.mvm.model = "QuantizerADC"
    params.xbar.adc.mvm.adc_range_option = "MAX"
    assert params.xbar.adc.mvm.bits == 8
    assert params.core.style == 1
    assert params.to_dict()["xbar"]["adc"]["mvm"]["bits"] == 8
    with pytest.raises(AttributeError, match="unknown key"):
        params.xbar.adcc
    with pytest.raises(xbar.ParamsError):
        params.xbar.adc.mvm.bits = -1
    again = xbar.CrossSimParameters.from_json(params.to_json())
    assert again.to_dict() == params.to_dict()


def test_enum_objects_and_numpy_values():
    import enum

    import numpy as np

    class CoreStyle(enum.Enum):  # the shape of CrossSim's enums
        BALANCED = 1
        OFFSET = 3

    class Flavour(enum.IntEnum):
        BALANCED = 1
        OFFSET = 3

    p = xbar.Params()
    p["core.style"] = CoreStyle.OFFSET
    assert p["core.style"] == 3
    p["core.style"] = Flavour.BALANCED  # an IntEnum is its integer
    assert p["core.style"] == 1
    p["xbar.adc.mvm.bits"] = np.int64(6)
    p["xbar.device.read_noise.magnitude"] = np.float32(0.25)
    p["xbar.adc.mvm.calibrated_range"] = np.array([-1.5, 1.5])
    assert p["xbar.adc.mvm.bits"] == 6 and p["xbar.device.read_noise.magnitude"] == 0.25
    assert p["xbar.adc.mvm.calibrated_range"] == [-1.5, 1.5]
