"""Least-squares covariance: the one place dackit turns a Jacobian into parameter errors.

For a fit minimising Σ rᵢ² with Jacobian J = ∂r/∂p, the covariance of the parameters is
(JᵀJ)⁻¹, scaled by the reduced χ² when the residuals are not normalised by known errors
(Press et al., *Numerical Recipes*, 3rd ed., §15.4; the convention of scipy's
``curve_fit(absolute_sigma=False)`` and of lmfit). It is computed from the SVD of J, which
is stable when JᵀJ is badly conditioned and tells when a parameter is not determined by the
data (a singular value below ``rcond`` × the largest): those parameters get an infinite
variance instead of a meaningless finite one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Covariance:
    """A fit's parameter covariance with the numbers that qualify it."""

    matrix: np.ndarray
    redchi: float
    dof: int
    rank: int

    @property
    def stderr(self) -> np.ndarray:
        """Standard errors, √diag(C); ``inf`` for a parameter the data do not determine."""
        return covariance_to_stderr(self.matrix)

    @property
    def correlation(self) -> np.ndarray:
        """Correlation matrix C_ij / √(C_ii C_jj); NaN where a variance is zero or infinite."""
        return covariance_to_correlation(self.matrix)

    @property
    def singular(self) -> bool:
        return self.rank < self.matrix.shape[0]


def covariance_to_stderr(cov: ArrayLike) -> np.ndarray:
    """Standard errors √diag(C) of a covariance matrix (negative round-off clipped to 0).

    Parameters
    ----------
    cov : (p, p) array
        A parameter covariance matrix.

    Examples
    --------
    >>> covariance_to_stderr([[4.0, 1.0], [1.0, 9.0]]).tolist()
    [2.0, 3.0]
    """
    return np.sqrt(np.clip(np.diag(np.asarray(cov, dtype=float)), 0.0, None))


def covariance_to_correlation(cov: ArrayLike) -> np.ndarray:
    """Correlation matrix C_ij / √(C_ii C_jj); NaN where a variance is zero or infinite.

    Parameters
    ----------
    cov : (p, p) array
        A parameter covariance matrix.

    Examples
    --------
    >>> covariance_to_correlation([[4.0, 3.0], [3.0, 9.0]]).round(3).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    cov = np.asarray(cov, dtype=float)
    s = covariance_to_stderr(cov)
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.outer(s, s)


def covariance_from_jacobian(jac: ArrayLike, residuals: ArrayLike | None = None, *, scale: bool = True,
                             rcond: float = 1e-10) -> Covariance:
    """Parameter covariance from the Jacobian of the residuals at the optimum.

    Parameters
    ----------
    jac : (n, p) array
        ∂rᵢ/∂pⱼ at the best fit (``scipy.optimize.least_squares(...).jac``).
    residuals : (n,) array, optional
        The residuals at the best fit; needed for the reduced χ² (Σr²/(n − p)).
    scale : bool
        Multiply by the reduced χ² (residuals in data units, errors unknown). ``False`` when
        the residuals are already divided by each point's known σ (absolute errors).
    rcond : float
        Singular values below ``rcond`` × the largest count as zero: the parameter
        combination along them gets an infinite variance.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 1, 11)
    >>> J = np.stack([np.ones_like(x), x], axis=1)          # straight line a + b x
    >>> c = covariance_from_jacobian(J, np.full(11, 0.1), scale=True)
    >>> c.dof, c.rank, round(c.redchi, 4)
    (9, 2, 0.0122)
    """
    jac = np.atleast_2d(np.asarray(jac, dtype=float))
    n, p = jac.shape
    dof = max(n - p, 0)
    if residuals is not None:
        r = np.asarray(residuals, dtype=float)
        redchi = float(r @ r / dof) if dof > 0 else float("nan")
    else:
        redchi = 1.0
    _, s, vt = np.linalg.svd(jac, full_matrices=False)
    keep = s > rcond * (s[0] if s.size else 0.0)
    inv_s2 = np.where(keep, 1.0 / np.where(keep, s, 1.0) ** 2, 0.0)
    cov = (vt.T * inv_s2) @ vt
    rank = int(keep.sum())
    if rank < p:
        # directions the data do not constrain: every parameter with weight on them is undetermined
        null = vt[~keep]
        undetermined = np.any(np.abs(null) > 1e-8, axis=0)
        cov[undetermined, :] = np.inf
        cov[:, undetermined] = np.inf
    if scale and residuals is not None:
        factor = redchi if np.isfinite(redchi) else 1.0
        with np.errstate(invalid="ignore"):
            cov = cov * factor
    return Covariance(matrix=cov, redchi=redchi, dof=dof, rank=rank)


def qaic_weights(chi2: ArrayLike, n_params: ArrayLike, c_hat: float = 1.0) -> np.ndarray:
    """Akaike weights of competing least-squares models from QAIC = χ²/ĉ + 2k.

    The quasi-likelihood form of Burnham & Anderson, *Model Selection and Multimodel
    Inference*, 2nd ed. (Springer 2002), §2.9 and §6.2: ĉ is the overdispersion (χ²_red of the
    largest model, ≥ 1) by which all χ² are divided; wᵢ = exp(−ΔQAICᵢ/2) / Σⱼ exp(−ΔQAICⱼ/2).

    Parameters
    ----------
    chi2 : array_like
        Each model's χ² (sum of squared normalised residuals) on the same data.
    n_params : array_like
        Each model's number of fitted parameters k.
    c_hat : float, default 1.0
        Overdispersion; values below 1 are taken as 1.

    Examples
    --------
    >>> qaic_weights([100.0, 90.0], [3, 4]).round(3).tolist()
    [0.018, 0.982]
    """
    qaic = np.asarray(chi2, dtype=float) / max(float(c_hat), 1.0) + 2.0 * np.asarray(n_params, dtype=float)
    w = np.exp(-0.5 * (qaic - np.min(qaic)))
    return w / w.sum()


def nested_f_test(chi2_simple: float, chi2_full: float, extra: int, dof_full: int) -> float:
    """p-value of the F-test of two nested least-squares models fitted to the same data.

    F = ((χ²₀ − χ²₁)/Δk) / (χ²₁/ν₁), with Δk the parameters the full model adds and ν₁ its
    degrees of freedom (Bevington & Robinson, *Data Reduction and Error Analysis*, 3rd ed.
    (2003), §11.4). Both χ² must use the same points and weights; the ratio is free of the
    absolute scale of the weights, so it also holds for unweighted sums of squares. A small
    p says the added parameters lower χ² more than noise would.

    Parameters
    ----------
    chi2_simple : float
        χ² of the model without the added parameters.
    chi2_full : float
        χ² of the model with them.
    extra : int
        Number of parameters the full model adds (≥ 1).
    dof_full : int
        Degrees of freedom of the full model (points − parameters, ≥ 1).

    Returns
    -------
    float
        The p-value; 1.0 when the full model does not lower χ² (or the test cannot be made).

    Examples
    --------
    >>> round(nested_f_test(110.0, 100.0, 1, 100), 4), nested_f_test(100.0, 100.0, 1, 100)
    (0.0021, 1.0)
    """
    from scipy.stats import f as f_dist

    if not (extra >= 1 and dof_full >= 1 and 0 < chi2_full < chi2_simple):
        return 1.0
    return float(f_dist.sf((chi2_simple - chi2_full) / extra / (chi2_full / dof_full), extra, dof_full))
