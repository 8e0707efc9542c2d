"""A local peak fit of `saxs peaks` that stops at its evaluation limit confirms no peak
(issue 10): the point it stops at is no minimum, so it has no covariance and its peaks no
errors. In the corpus such fits are all on noise (a low-q tail of spikes, flat humps)."""
import numpy as np
import pytest

import dackit.saxs.peaks as peaks
from dackit.core.pattern import make_pattern
from dackit.errors import InputError
from dackit.saxs.peaks import find_peaks

Q = np.linspace(0.02, 0.30, 1401)


def _lamellar():
    """Two orders of d = 62.8 Å (q = 0.1, 0.2 Å⁻¹) on a q⁻² background, Poisson-like noise."""
    bg = 50.0 * (Q / 0.1) ** -2
    lines = sum(h * np.exp(-4 * np.log(2) * ((Q - q0) / 0.004) ** 2) for q0, h in ((0.1, 40.0), (0.2, 8.0)))
    s = np.sqrt(bg + lines) * 0.3
    y = bg + lines + np.random.default_rng(3).normal(0.0, s)
    return make_pattern(Q, y, axis="q_A^-1", sigma=s)


def test_converged_local_fits_find_both_orders():
    ps = find_peaks(_lamellar(), refine=False)
    assert [round(p.q_inv_a, 3) for p in ps.peaks] == [0.1, 0.2]
    assert all(np.isfinite(p.amplitude_err) for p in ps.peaks)


def test_local_fits_stopped_at_the_limit_confirm_nothing(monkeypatch):
    # a limit far below what any fit needs stands in for fits that cannot converge; without
    # the joint refit nothing else can confirm the peaks
    monkeypatch.setattr(peaks, "CLUSTER_FIT_MAX_NFEV", 2)
    with pytest.raises(InputError, match="none survived fitting"):
        find_peaks(_lamellar(), refine=False)
