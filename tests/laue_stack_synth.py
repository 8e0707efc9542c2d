"""Thin lamellar stacks built with numpy alone, for tests/test_saxs_laue_fringes.py.

The Laue sum of N layers of period d with cumulative (second-kind) disorder, a bilayer of
two Gaussian head groups and a Gaussian hydrocarbon trough (Pabst et al., Phys. Rev. E 62,
4000 (2000)), the 1/q² powder factor of a stack, Gaussian resolution and Poisson noise.
Nothing here is shared with dackit.
"""
import numpy as np

from dackit.core.pattern import make_pattern


def _bilayer_ff2(q, z_head=20.0, s_head=3.0, s_tail=6.0, rho_tail=-1.0):
    """|F|² of two Gaussian head groups at ±z_head and a Gaussian tail trough at 0."""
    f = 2 * s_head * np.exp(-(q * s_head) ** 2 / 2) * np.cos(q * z_head) \
        + rho_tail * s_tail * np.exp(-(q * s_tail) ** 2 / 2)
    return f**2


def _stack_s(q, n, d, disorder):
    """Laue sum of an n-layer stack with second-kind disorder (relative rms ``disorder``)."""
    m = np.arange(1, n)[:, None]
    return n + 2 * np.sum((n - m) * np.cos(m * q * d) * np.exp(-m * (q * d * disorder) ** 2 / 2), axis=0)


def stack_pattern(n, d, *, seed, z_head=None, disorder=0.005, res_sigma=0.0004, counts=3e4):
    """Pattern of an ``n``-layer stack of period ``d`` (Å): relative disorder, resolution σ (Å⁻¹)
    and peak counts as given; ``z_head`` defaults to 0.2 d."""
    q = np.linspace(0.02, 4.3 * 2 * np.pi / d, 900)
    fine = np.linspace(q[0] - 0.01, q[-1] + 0.01, 6000)
    z = 0.2 * d if z_head is None else z_head
    y = _bilayer_ff2(fine, z_head=z) * _stack_s(fine, n, d, disorder) / fine**2
    kernel = np.exp(-0.5 * ((fine[:, None] - q[None, :]) / res_sigma) ** 2)
    y = (y[:, None] * kernel).sum(0) / kernel.sum(0)
    lam = counts * y / y.max() + 20.0
    obs = np.random.default_rng(seed).poisson(lam).astype(float)
    return make_pattern(q, obs, axis="q_A^-1", sigma=np.sqrt(np.maximum(obs, 1.0)))


def supercell_pattern(n, d, *, seed, contrast=0.7, disorder=0.005, res_sigma=0.0004, counts=3e4):
    """Pattern of ``n`` cells of period 2d, each two bilayers d apart, the second of
    ``contrast`` times the first's scattering length: a real supercell whose odd orders
    (of 2d) are weak, |1 − contrast|²/|1 + contrast|² of the even ones, and as broad."""
    D = 2 * d
    q = np.linspace(0.02, 4.3 * 2 * np.pi / d, 900)
    fine = np.linspace(q[0] - 0.01, q[-1] + 0.01, 6000)
    f = np.sqrt(_bilayer_ff2(fine, z_head=0.2 * d)) * np.abs(1 + contrast * np.exp(1j * fine * d))
    y = f**2 * _stack_s(fine, n, D, disorder) / fine**2
    kernel = np.exp(-0.5 * ((fine[:, None] - q[None, :]) / res_sigma) ** 2)
    y = (y[:, None] * kernel).sum(0) / kernel.sum(0)
    lam = counts * y / y.max() + 20.0
    obs = np.random.default_rng(seed).poisson(lam).astype(float)
    return make_pattern(q, obs, axis="q_A^-1", sigma=np.sqrt(np.maximum(obs, 1.0)))
