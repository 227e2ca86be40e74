"""The type stubs (xbar/__init__.pyi) agree with the package: mypy's stubtest checks
every public name, signature and class of the installed package against them."""

import importlib.util
import subprocess
import sys

import pytest

import xbar


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy not installed")
def test_stubs_match_the_runtime(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "xbar", "--ignore-missing-stub"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_stubs_and_marker_are_installed():
    import pathlib

    pkg = pathlib.Path(xbar.__file__).parent
    assert (pkg / "__init__.pyi").exists() and (pkg / "py.typed").exists()
