"""The analytic Jacobian of a peak group (`xrd.peakfit._group_jacobian`) against finite
differences of the model it differentiates, in each parameter layout the fits use."""
import numpy as np
import pytest
from scipy.optimize._numdiff import approx_derivative

from dackit.xrd.peakfit import _group_jacobian, _group_model

X = np.linspace(20.0, 30.0, 400)
X_REF = 25.0
N = 5


def _lines(seed):
    rng = np.random.default_rng(seed)
    return np.ravel(np.c_[rng.uniform(1, 10, N), np.sort(rng.uniform(21, 29, N))])


@pytest.mark.parametrize("layout", ["shape_eta_ratio", "shape_eta", "shape_fixed_eta", "fixed_shape_doublet"])
def test_group_jacobian_matches_finite_differences(layout):
    lines = _lines(seed=len(layout))
    ratio = 1.0025  # Cu Kα2/Kα1
    if layout == "shape_eta_ratio":
        p = np.r_[lines, 0.3, 0.4, 0.5, 3.0, 0.1]

        def model(p):
            return _group_model(p, X, X_REF, N, p[2 * N], p[2 * N + 1], p[2 * N + 2], ratio)
        jac = _group_jacobian(p, X, X_REF, N, p[2 * N], p[2 * N + 1], p[2 * N + 2], ratio,
                              free_shape=True, free_eta=True, free_r=True)
    elif layout == "shape_eta":
        p = np.r_[lines, 0.3, 0.4, 3.0, 0.1]

        def model(p):
            return _group_model(p, X, X_REF, N, p[2 * N], p[2 * N + 1], 0.0, None)
        jac = _group_jacobian(p, X, X_REF, N, p[2 * N], p[2 * N + 1], 0.0, None,
                              free_shape=True, free_eta=True, free_r=False)
    elif layout == "shape_fixed_eta":
        p = np.r_[lines, 0.3, 3.0, 0.1]

        def model(p):
            return _group_model(p, X, X_REF, N, p[2 * N], 1.0, 0.5, ratio)
        jac = _group_jacobian(p, X, X_REF, N, p[2 * N], 1.0, 0.5, ratio,
                              free_shape=True, free_eta=False, free_r=False)
    else:
        p = np.r_[lines, 3.0, 0.1]

        def model(p):
            return _group_model(p, X, X_REF, N, 0.3, 0.6, 0.5, ratio)
        jac = _group_jacobian(p, X, X_REF, N, 0.3, 0.6, 0.5, ratio,
                              free_shape=False, free_eta=False, free_r=False)
    numeric = approx_derivative(model, p, method="3-point")
    # 3-point differences are good to ~1e-6 of the largest entry here (step ~ eps^(1/3))
    assert np.max(np.abs(jac - numeric)) < 1e-5 * np.max(np.abs(numeric))
