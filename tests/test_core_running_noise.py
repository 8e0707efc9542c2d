"""core.noise.running_noise_sigma: the point noise of a curve that spans decades, at its
ends too (the SAXS peak finder weighs every point by it)."""
import numpy as np
import pytest

from dackit.core.noise import running_noise_sigma


@pytest.mark.parametrize("seed", range(6))
def test_end_points_get_their_noise(seed):
    # Poisson counts on a steep power law: the noise falls by 10x over the curve. The end
    # estimates scatter (a 41-point window, half of it reflected), but repeating the end
    # value (mode "nearest") collapsed the MAD there to a fraction of σ
    rng = np.random.default_rng(seed)
    q = np.linspace(0.02, 0.2, 1500)
    lam = 1e5 * (q / 0.02) ** -2.0
    y = rng.poisson(lam).astype(float)
    s = running_noise_sigma(y)
    true = np.sqrt(lam)
    ratio = s / true
    assert 0.5 < ratio[0] < 2.0 and 0.5 < ratio[-1] < 2.0
    # over the last and first 20 points (the half-window the ends fill) as well
    assert 0.6 < np.median(ratio[:20]) < 1.6 and 0.6 < np.median(ratio[-20:]) < 1.6
    assert 0.85 < np.median(ratio[100:-100]) < 1.15


def test_a_line_does_not_inflate_the_noise():
    # the deviations are taken about the running median of the second differences: a
    # line ten points wide leaves the noise beside it near σ
    rng = np.random.default_rng(3)
    x = np.arange(2000.0)
    clean = 1000 + 5e4 * np.exp(-0.5 * ((x - 1000) / 4.0) ** 2)
    y = clean + rng.normal(0, 30.0, x.size)
    s = running_noise_sigma(y)
    assert 0.8 < np.median(s[900:1100]) / 30.0 < 1.6
