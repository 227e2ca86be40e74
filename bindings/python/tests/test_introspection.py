"""Array layout, physical conductances and the drift-compensation factor
(the C API's xbar_core_array_layout, xbar_core_conductances and
xbar_core_drift_compensation)."""

import numpy as np
import pytest

import xbar


def test_balanced_core_has_a_pair_whose_difference_holds_the_weights():
    w = np.array([[0.5, -0.25, 1.0], [0.75, 0.0, -1.0]])
    with xbar.Params.preset("default") as p, xbar.Core(p, 2, 3, 1) as core:
        core.program(w)
        layout = core.array_layout()
        assert layout.shape == (2, 9)
        # roles G+ then G-, each 2 x 3 cells, the second starting after the first
        assert list(layout[:, 4]) == [1, 2]
        assert list(layout[:, 6]) == [2, 2] and list(layout[:, 7]) == [3, 3]
        assert list(layout[:, 8]) == [0, 6]
        g = core.conductances()
        assert g.shape == (12,) and g.dtype == np.float64
        assert np.all(g > 0)
        diff = (g[:6] - g[6:]).reshape(2, 3)
        # the difference is proportional to the weights (same sign, same ratios)
        scale = diff[0, 2] / w[0, 2]
        np.testing.assert_allclose(diff, scale * w, rtol=1e-6, atol=1e-12 * abs(scale))
        assert core.drift_compensation() == 1.0


def test_unprogrammed_core_is_refused():
    with xbar.Params.preset("default") as p, xbar.Core(p, 2, 3, 1) as core:
        with pytest.raises(xbar.Error):
            core.conductances()
