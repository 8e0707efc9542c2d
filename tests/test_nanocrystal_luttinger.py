"""4-band spherical Luttinger hole: analytic limits, interface consistency, convergence, inputs."""
import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import spherical_jn

from dackit.errors import FitError, InputError
from dackit.nanocrystal.confinement import HBAR2_2M0, RadialWell, ground_energy, infinite_well_energy_ev
from dackit.nanocrystal.luttinger import HoleWell, solve_hole, spherical_hole_phi


def _phi_independent(beta):
    # Gel'mont–D'yakonov condition written out here, bracketed on its own grid
    sb = np.sqrt(beta)
    f = lambda x: spherical_jn(0, x) * spherical_jn(2, sb * x) + spherical_jn(2, x) * spherical_jn(0, sb * x)  # noqa: E731
    xs = np.linspace(2.0, 7.0, 5001)
    ys = f(xs)
    k = np.nonzero(np.sign(ys[:-1]) != np.sign(ys[1:]))[0][0]
    return brentq(f, xs[k], xs[k + 1], xtol=1e-12)


@pytest.mark.parametrize("g1,gbar", [(5.08, 1.9), (6.85, 2.58), (2.04, 0.58), (4.3, 1.56)])
def test_infinite_sphere_is_the_gelmont_dyakonov_energy(g1, gbar):
    m_hh, m_lh = 1 / (g1 - 2 * gbar), 1 / (g1 + 2 * gbar)
    beta = m_lh / m_hh
    phi = _phi_independent(beta)
    assert spherical_hole_phi(beta) == pytest.approx(phi, rel=1e-9)
    radius = 1.7
    s = solve_hole(HoleWell((radius,), (0.0,), (g1,), (gbar,), hard_wall=True))
    assert s.energy_ev == pytest.approx(HBAR2_2M0 * phi ** 2 / (m_hh * radius ** 2), rel=3e-4)
    assert 0.5 < s.s_fraction < 1.0                 # the L = 2 admixture is real
    assert np.trapezoid(s.density, s.r_nm) == pytest.approx(1.0, abs=1e-3)


def test_phi_limits():
    assert spherical_hole_phi(1.0) == pytest.approx(np.pi)
    assert spherical_hole_phi(1e-8) == pytest.approx(5.763, abs=2e-3)   # Gel'mont & D'yakonov (1972)


def test_no_mixing_is_the_scalar_particle_and_matches_the_transfer_matrix_solver():
    s = solve_hole(HoleWell((2.0,), (0.0,), (5.0,), (0.0,), hard_wall=True))
    assert s.energy_ev == pytest.approx(infinite_well_energy_ev(0.2, 2.0), rel=2e-4)
    assert s.s_fraction == pytest.approx(1.0)
    # layered finite well, γ̄ = 0 ⇒ BenDaniel–Duke scalar problem with m = 1/γ1 in each layer
    lw = HoleWell((1.25, 3.15), (0.0, 0.5), (5.0, 2.5), (0.0, 0.0), hard_wall=True)
    tm = ground_energy(RadialWell((1.25, 3.15), (0.0, 0.5), (0.2, 0.4), hard_wall=True))
    assert solve_hole(lw).energy_ev == pytest.approx(tm, rel=5e-4)


def test_two_identical_layers_are_one_sphere_and_step_converges():
    one = solve_hole(HoleWell((3.0,), (0.0,), (5.08,), (1.9,), hard_wall=True)).energy_ev
    two = solve_hole(HoleWell((1.2, 3.0), (0.0, 0.0), (5.08, 5.08), (1.9, 1.9), hard_wall=True)).energy_ev
    assert two == pytest.approx(one, rel=1e-4)
    coarse = solve_hole(HoleWell((1.25,), (0.0, 1.0), (5.08, 1.0), (1.9, 0.0)), step_nm=0.02).energy_ev
    fine = solve_hole(HoleWell((1.25,), (0.0, 1.0), (5.08, 1.0), (1.9, 0.0)), step_nm=0.005).energy_ev
    assert abs(coarse - fine) / fine < 2e-3


def test_finite_barrier_lowers_the_energy_and_leaks():
    hard = solve_hole(HoleWell((1.25,), (0.0,), (5.08,), (1.9,), hard_wall=True))
    soft = solve_hole(HoleWell((1.25,), (0.0, 0.5), (5.08, 5.08), (1.9, 1.9)))
    assert soft.energy_ev < hard.energy_ev
    assert 0 < soft.layer_probability[1] < 0.5
    assert sum(soft.layer_probability) == pytest.approx(1.0, abs=1e-9)


def test_unbound_and_bad_wells():
    with pytest.raises(FitError, match="bound"):
        solve_hole(HoleWell((0.2,), (0.0, 0.005), (5.0, 5.0), (0.0, 0.0)))
    with pytest.raises(InputError, match="γ1 > 2γ̄"):
        HoleWell((1.0,), (0.0,), (2.0,), (1.2,), hard_wall=True)
    with pytest.raises(InputError):
        HoleWell((1.0, 0.5), (0.0, 0.0, 1.0), (5.0, 5.0, 1.0), (1.0, 1.0, 0.0))


# ---- 6-band (Γ8 + Γ7) hole ----------------------------------------------------------------

def _phi_zero_splitting(g1, gbar):
    """Δso = 0, hard sphere: the hole is a vector field u with H = (γ1 − 2γ̄)k² + 6γ̄ k kᵀ;
    its K = 1 even ground state is transverse (heavy, k_h² = E/(γ1 − 2γ̄)) plus longitudinal
    (k_l² = E/(γ1 + 4γ̄)) parts. Writing u = a∇[j1(k_l r) cos θ] + b∇×∇×[ẑ j0(k_h r)] and asking
    u_r = u_θ = 0 at R gives j2(φ) j0(√β0 φ) + 2 j0(φ) j2(√β0 φ) = 0, β0 = (γ1 − 2γ̄)/(γ1 + 4γ̄),
    E = ħ²φ²(γ1 − 2γ̄)/(2 m0 R²) (derived here, independently of the solver's angular algebra)."""
    b0 = (g1 - 2 * gbar) / (g1 + 4 * gbar)
    sb = np.sqrt(b0)
    f = lambda x: spherical_jn(2, x) * spherical_jn(0, sb * x) + 2 * spherical_jn(0, x) * spherical_jn(2, sb * x)  # noqa: E731
    xs = np.linspace(2.0, 9.0, 7001)
    ys = f(xs)
    k = np.nonzero(np.sign(ys[:-1]) != np.sign(ys[1:]))[0][0]
    return brentq(f, xs[k], xs[k + 1], xtol=1e-12)


@pytest.mark.parametrize("g1,gbar", [(5.08, 1.9), (4.3, 1.56), (2.04, 0.58)])
def test_six_band_limits_of_the_spin_orbit_splitting(g1, gbar):
    radius = 1.7
    four = solve_hole(HoleWell((radius,), (0.0,), (g1,), (gbar,), hard_wall=True))
    big = solve_hole(HoleWell((radius,), (0.0,), (g1,), (gbar,), hard_wall=True, delta_so_ev=(1e4,)))
    zero = solve_hole(HoleWell((radius,), (0.0,), (g1,), (gbar,), hard_wall=True, delta_so_ev=(0.0,)))
    assert big.energy_ev == pytest.approx(four.energy_ev, rel=1e-5)        # Δso → ∞: the 4-band hole
    assert big.so_fraction < 1e-8
    phi0 = _phi_zero_splitting(g1, gbar)
    assert zero.energy_ev == pytest.approx(HBAR2_2M0 * (g1 - 2 * gbar) * phi0 ** 2 / radius ** 2, rel=5e-4)
    # and the two analytic limits really differ (else the test could not tell the models apart)
    assert abs(zero.energy_ev - four.energy_ev) > 0.01 * four.energy_ev
    # in between, the energy rises monotonically with Δso and the Γ7 weight falls
    mids = [solve_hole(HoleWell((radius,), (0.0,), (g1,), (gbar,), hard_wall=True, delta_so_ev=(d,)))
            for d in (0.03, 0.108, 0.4, 2.0)]
    e = [zero.energy_ev] + [m.energy_ev for m in mids] + [four.energy_ev]
    assert np.all(np.diff(e) > 0)
    assert np.all(np.diff([zero.so_fraction] + [m.so_fraction for m in mids]) < 0)
    assert np.trapezoid(mids[1].density, mids[1].r_nm) == pytest.approx(1.0, abs=1e-3)


def test_six_band_layered_large_splitting_is_the_four_band_well_and_no_mixing_is_scalar():
    edges, v, g1, gb = (1.25, 2.2), (0.0, 0.4, 3.4), (5.08, 4.3, 1.0), (1.9, 1.56, 0.0)
    four = solve_hole(HoleWell(edges, v, g1, gb))
    big = solve_hole(HoleWell(edges, v, g1, gb, delta_so_ev=(1e4, 1e4, 1e4)))
    assert big.energy_ev == pytest.approx(four.energy_ev, rel=3e-4)      # O(1/Δso) remainder
    assert big.layer_probability == pytest.approx(four.layer_probability, abs=1e-4)
    # γ̄ = 0: the three components decouple; f is the scalar BenDaniel–Duke state whatever Δso
    lw = HoleWell((1.25, 3.15), (0.0, 0.5), (5.0, 2.5), (0.0, 0.0), hard_wall=True, delta_so_ev=(0.0, 0.0))
    tm = ground_energy(RadialWell((1.25, 3.15), (0.0, 0.5), (0.2, 0.4), hard_wall=True))
    assert solve_hole(lw).energy_ev == pytest.approx(tm, rel=5e-4)


def test_ordering_matters_only_at_interfaces():
    one = dict(edges_nm=(1.7,), potential_ev=(0.0,), gamma1=(5.08,), gamma_bar=(1.9,), hard_wall=True,
               delta_so_ev=(0.108,))
    e = {o: solve_hole(HoleWell(**one, ordering=o)).energy_ev for o in ("symmetric", "burt-foreman", "divergence")}
    assert e["symmetric"] == pytest.approx(e["divergence"], rel=1e-6)    # one material: surface terms vanish
    assert e["burt-foreman"] == pytest.approx(e["divergence"], rel=1e-6)
    soft = dict(edges_nm=(1.25,), potential_ev=(0.0, 3.0), gamma1=(5.08, 1.0), gamma_bar=(1.9, 0.0),
                delta_so_ev=(0.108, 0.108))
    # a γ̄ jump (InP → ligand): the symmetric ordering's energy density is not positive definite
    # for γ1 < 5γ̄ and its surface term binds the hole; N₋ grows from 0 (divergence) over
    # γ1 − 2γ̄ + 1 = 2.28 (Burt–Foreman) to 3γ̄ = 5.7 (symmetric) and the energy falls with it
    d = {o: solve_hole(HoleWell(**soft, ordering=o)).energy_ev for o in ("symmetric", "burt-foreman", "divergence")}
    assert d["symmetric"] < d["burt-foreman"] < d["divergence"]
    assert 0.05 < d["burt-foreman"] - d["symmetric"] < 0.4
    assert d["divergence"] - d["burt-foreman"] < 0.05
    with pytest.raises(InputError, match="ordering"):
        HoleWell(**one, ordering="weyl")
    with pytest.raises(InputError, match="spin–orbit"):
        HoleWell((1.0,), (0.0,), (5.0,), (1.0,), hard_wall=True, delta_so_ev=(-0.1,))


def _angular_forms():
    """The angular integrals of the F = 3/2, M = 3/2 even hole built here from scratch:
    Condon–Shortley Clebsch–Gordan coupling of Y_L (as harmonic polynomials) with the vector
    (X, Y, Z) ⊗ spin Bloch basis, integrated over the sphere by Gauss quadrature."""
    from math import factorial, sqrt

    def cg(j1, m1, j2, m2, j, m):
        if abs(m1 + m2 - m) > 1e-9 or not abs(j1 - j2) - 1e-9 <= j <= j1 + j2 + 1e-9:
            return 0.0
        f = lambda x: factorial(int(round(x)))  # noqa: E731
        pre = sqrt((2 * j + 1) * f(j + j1 - j2) * f(j - j1 + j2) * f(j1 + j2 - j) / f(j1 + j2 + j + 1)
                   * f(j + m) * f(j - m) * f(j1 - m1) * f(j1 + m1) * f(j2 - m2) * f(j2 + m2))
        tot = 0.0
        for k in range(12):
            args = [k, j1 + j2 - j - k, j1 - m1 - k, j2 + m2 - k, j - j2 + m1 + k, j - j1 - m2 + k]
            if min(args) > -1e-9:
                tot += (-1) ** k / np.prod([f(a) for a in args])
        return pre * tot

    def ylm(L, m, x):          # r^L Y_Lm and its gradient, at unit vectors x
        X, Y, Z = x.T
        c, one = sqrt(15 / (2 * np.pi)), np.ones(len(x))
        p, q = X + 1j * Y, X - 1j * Y
        if L == 0:
            return one / sqrt(4 * np.pi) + 0j, np.zeros((len(x), 3), complex)
        k = sqrt(5 / np.pi) / 4
        return {2: (c / 4 * p ** 2, np.stack([c / 2 * p, 1j * c / 2 * p, 0 * one], 1)),
                -2: (c / 4 * q ** 2, np.stack([c / 2 * q, -1j * c / 2 * q, 0 * one], 1)),
                1: (-c / 2 * Z * p, np.stack([-c / 2 * Z, -1j * c / 2 * Z, -c / 2 * p], 1)),
                -1: (c / 2 * Z * q, np.stack([c / 2 * Z, -1j * c / 2 * Z, c / 2 * q], 1)),
                0: (k * (2 * Z ** 2 - X ** 2 - Y ** 2) + 0j, np.stack([-2 * k * X, -2 * k * Y, 4 * k * Z], 1) + 0j)}[m]

    evec = {1: -np.array([1, 1j, 0]) / sqrt(2), 0: np.array([0, 0, 1.0]), -1: np.array([1, -1j, 0]) / sqrt(2)}
    ct, wt = np.polynomial.legendre.leggauss(10)
    ph = np.arange(20) * 2 * np.pi / 20
    CT, PH = np.meshgrid(ct, ph, indexing="ij")
    ST = np.sqrt(1 - CT ** 2)
    n = np.stack([ST * np.cos(PH), ST * np.sin(PH), CT], -1).reshape(-1, 3)
    w = (wt[:, None] * np.full(20, 2 * np.pi / 20)).reshape(-1)
    alpha, beta = [], []
    for L, j, sign in ((0, 1.5, 1), (2, 1.5, -1), (2, 0.5, 1)):     # g = −(Γ8, L = 2): the module's sign
        P = np.zeros((len(n), 3, 2), complex)
        G = np.zeros((len(n), 3, 3, 2), complex)
        for mL in range(-L, L + 1):
            mj = 1.5 - mL
            if abs(mj) > j:
                continue
            a = cg(L, mL, j, mj, 1.5, 1.5)
            y, gy = ylm(L, mL, n)
            for mo in (-1, 0, 1):
                for si, ms in enumerate((0.5, -0.5)):
                    b = sign * a * cg(1, mo, 0.5, ms, j, mj)
                    P[:, :, si] += b * y[:, None] * evec[mo]
                    G[:, :, :, si] += b * gy[:, :, None] * evec[mo][None, None, :]
        # ∂_i ψ_a = R' n_i P_a + (R/r)(∂_i P_a − L n_i P_a)
        alpha.append(n[:, :, None, None] * P[:, None])
        beta.append(G - L * n[:, :, None, None] * P[:, None])

    def mat(X, Y):
        return np.array([[np.sum(w.reshape(-1, *[1] * (X[c].ndim - 1)) * np.conj(X[c]) * Y[d]).real
                          for d in range(3)] for c in range(3)])

    da = [np.einsum("niis->ns", a) for a in alpha]
    db = [np.einsum("niis->ns", b) for b in beta]
    at = [np.swapaxes(a, 1, 2) for a in alpha]
    bt = [np.swapaxes(b, 1, 2) for b in beta]
    return {"grad": (mat(alpha, alpha), mat(alpha, beta), mat(beta, beta)),
            "div": (mat(da, da), mat(da, db), mat(db, db)),
            "transpose": (mat(alpha, at), mat(alpha, bt), mat(beta, bt))}


def test_angular_matrices_from_clebsch_gordan_coupling():
    from dackit.nanocrystal import luttinger as lu

    forms = _angular_forms()
    a, b, c = forms["grad"]
    assert np.allclose(a, np.eye(3), atol=1e-12) and np.allclose(b, 0, atol=1e-12)
    assert np.allclose(c, np.diag(lu._CENTRIFUGAL), atol=1e-12)
    for name, (bm, cm) in (("div", (lu._B_D, lu._C_D)), ("transpose", (lu._B_T, lu._C_T))):
        a, b, c = forms[name]
        assert np.allclose(a, np.ones((3, 3)) / 3, atol=1e-12), name
        # quadratic form R'ᵀA R' + 2 R'ᵀB R/r + RᵀC R/r²: the R'R/r coefficient of c, d is B_cd
        # for |∇·ψ|² (one factor from each side) and B_cd = Bt1_cd for the transposed form
        assert np.allclose(b, bm, atol=1e-12), name
        assert np.allclose(c, cm, atol=1e-12), name


@pytest.mark.parametrize("ordering", ["burt-foreman", "symmetric"])
def test_six_band_converges_at_the_ligand_interface(ordering):
    # neither ordering is strictly positive at a γ̄ jump (module docstring); in the F = 3/2
    # radial sector the energy still converges as step² instead of running away with refinement
    w = HoleWell((1.25,), (0.0, 3.0), (5.08, 1.0), (1.9, 0.0), delta_so_ev=(0.108, 0.108), ordering=ordering)
    e = [solve_hole(w, step_nm=h).energy_ev for h in (0.02, 0.01, 0.005)]
    assert abs(e[0] - e[1]) < 3e-3 * e[1]
    assert abs(e[1] - e[2]) < 0.4 * abs(e[0] - e[1])       # ≈ 1/4 for step² convergence
