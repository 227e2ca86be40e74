"""Shared fixtures of the xbar Python suite: the repository root and its test data."""

import os
import pathlib

import pytest

#: The repository checkout (bindings/python/tests -> three levels up), or XBAR_REPO.
REPO = pathlib.Path(os.environ.get("XBAR_REPO") or pathlib.Path(__file__).resolve().parents[3])


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    if not (REPO / "tests" / "conformance").is_dir():
        pytest.skip(f"no repository checkout at {REPO} (set XBAR_REPO)")
    return REPO
