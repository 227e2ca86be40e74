"""The Python examples of the documentation run: every ```python block of
bindings/python/README.md, docs/python.md and docs/migrating-from-crosssim.md,
the blocks of one file in order in one namespace."""

import re

import numpy as np
import pytest

DOCS = ["bindings/python/README.md", "docs/python.md", "docs/migrating-from-crosssim.md"]


def blocks(text):
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.mark.parametrize("doc", DOCS)
def test_python_blocks_run(repo, doc):
    code = blocks((repo / doc).read_text())
    assert code, f"{doc} has no python block"
    rng = np.random.default_rng(0)
    # Names the migration guide's CrossSim snippet takes from the user's script.
    ns = {"W": rng.uniform(-1, 1, (8, 6)), "x": rng.uniform(-1, 1, 6), "x_rows": rng.uniform(-1, 1, 8),
          "W2": rng.uniform(-1, 1, (8, 6))}
    for block in code:
        exec(compile(block, doc, "exec"), ns)
