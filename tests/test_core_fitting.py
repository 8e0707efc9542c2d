"""The batched Levenberg–Marquardt engine: Jacobians, accuracy, covariance, failures, inputs."""
import os

import numpy as np
import pytest

from dackit.core import fitting as F
from dackit.core.fitting import BatchFit, FitResult, PeakModel, fit_batch, fit_spectrum, guess_peaks
from dackit.errors import InputError

SHAPES = ["gaussian", "lorentzian", "pseudo_voigt"]


@pytest.fixture(params=["numpy", "numba"], autouse=True)
def backend(request, monkeypatch):
    """Every test runs on both engines: backend="auto" takes the compiled kernel from
    NUMBA_MIN_BATCH spectra on, so that threshold decides which one a call uses."""
    if request.param == "numba":
        pytest.importorskip("numba")
    monkeypatch.setattr(F, "NUMBA_MIN_BATCH", 1 if request.param == "numba" else 10**12)
    return request.param


def single(shape, baseline_degree=1):
    return PeakModel(shape, 1, baseline_degree=baseline_degree)


def truth_single(shape):
    """amplitude, center, fwhm, (eta), b0, b1 for a peak on x in [-10, 10]."""
    peak = [100.0, 0.37, 2.2] + ([0.4] if shape == "pseudo_voigt" else [])
    return np.array(peak + [10.0, 0.8])


# ----------------------------------------------------------------------------- model

def test_param_names():
    assert PeakModel("pseudo_voigt", 2).param_names == (
        "amplitude0", "center0", "fwhm0", "eta0", "amplitude1", "center1", "fwhm1", "eta1",
        "b0", "b1")
    assert PeakModel("gaussian", 2, shared_width=True, baseline_degree=-1).param_names == (
        "amplitude0", "center0", "amplitude1", "center1", "fwhm")
    assert PeakModel("lorentzian", 1, baseline_degree=2).param_names == (
        "amplitude0", "center0", "fwhm0", "b0", "b1", "b2")


def test_model_validation():
    with pytest.raises(InputError, match="shape 'voigt' is unknown"):
        PeakModel("voigt")
    with pytest.raises(InputError, match="baseline_degree"):
        PeakModel(baseline_degree=-2)
    with pytest.raises(InputError, match="nothing to fit"):
        PeakModel(n_peaks=0, baseline_degree=-1)


def test_evaluate_and_components():
    m = PeakModel("pseudo_voigt", 2, shared_width=True, baseline_degree=1)
    p = np.array([5.0, 1.0, 2.0, 3.0, 0.5, 0.3, 1.0, 0.1])
    x = np.linspace(-2, 6, 50)
    y = m.evaluate(x, p, x_ref=2.0)
    assert y.shape == (50,)
    comp = m.components(x, p, x_ref=2.0)
    assert set(comp) == {"peak0", "peak1", "baseline"}
    np.testing.assert_allclose(sum(comp.values()), y)
    np.testing.assert_allclose(comp["baseline"], 1.0 + 0.1 * (x - 2.0))
    batch = m.evaluate(x, np.stack([p, p * 1.1]), x_ref=[2.0, 2.0])
    assert batch.shape == (2, 50)
    np.testing.assert_allclose(batch[0], y)
    with pytest.raises(InputError, match="needs 8 values"):
        m.evaluate(x, p[:5])


# ----------------------------------------------------------------------------- Jacobian

@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_jacobian_matches_finite_differences(shape, shared, weighted):
    """The fused hot-path kernel against central differences of PeakModel.evaluate."""
    rng = np.random.default_rng(3)
    m = PeakModel(shape, 2, shared_width=shared, baseline_degree=2)
    names = m.param_names
    n, L = 3, 160
    x = np.sort(rng.uniform(-4, 6, (n, L)), axis=1)
    xref = np.array([0.5, 1.0, 1.5])
    p = np.empty((n, len(names)))
    for j, name in enumerate(names):
        lo, hi = {"amplitude": (1, 5), "center": (-1, 4), "fwhm": (0.5, 2), "eta": (0.1, 0.9),
                  "b0": (1, 2), "b1": (-0.3, 0.3), "b2": (-0.1, 0.1)}[
            name if name.startswith("b") else name.rstrip("0123456789")]
        p[:, j] = rng.uniform(lo, hi, n)
    y = m.evaluate(x, p, xref) + rng.normal(0, 0.1, (n, L))
    w = rng.uniform(0.5, 4.0, (n, L)) if weighted else np.ones((n, L))
    unit, sw, swy, bj = F._weighted(m, x, y, w, xref)
    out = np.empty((n, len(names) + 1, L))
    m._jac_resid(out, x, swy, None if unit else sw, bj, p, [np.empty((n, L)) for _ in range(5)])
    np.testing.assert_allclose(out[:, -1], np.sqrt(w) * (y - m.evaluate(x, p, xref)),
                               rtol=0, atol=1e-12)
    for k, name in enumerate(names):
        h = 1e-6 * max(1.0, np.abs(p[:, k]).max())
        up, down = p.copy(), p.copy()
        up[:, k] += h
        down[:, k] -= h
        fd = np.sqrt(w) * (m.evaluate(x, up, xref) - m.evaluate(x, down, xref)) / (2 * h)
        # central-difference error ~ h^2 |f'''| + eps |f| / h, both < 1e-7 of the scale here
        np.testing.assert_allclose(out[:, k], fd, rtol=0, atol=1e-7 * np.abs(fd).max() + 1e-9,
                                   err_msg=name)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("shared", [False, True])
def test_kernel_jacobian_matches_numpy(shape, shared):
    """The compiled kernel's Jacobian and residual rows equal the numpy engine's to rounding."""
    pytest.importorskip("numba")
    from dackit.core import _lm_kernel as K

    rng = np.random.default_rng(13)
    m = PeakModel(shape, 2, shared_width=shared, baseline_degree=2)
    P = len(m.param_names)
    L = 150
    x = np.sort(rng.uniform(-4, 6, L))
    p = np.array([{"amplitude": 3.0, "center": 1.0, "fwhm": 1.3, "eta": 0.4, "b0": 1.0}.get(
        n.rstrip("0123456789"), 0.1) for n in m.param_names])
    p[m.param_names.index("center1")] = 2.5
    y = m.evaluate(x, p, 0.7) + rng.normal(0, 0.1, L)
    w = rng.uniform(0.5, 4.0, L)
    unit, sw, swy, bj = F._weighted(m, x[None], y[None], w[None], np.array([0.7]))
    ref = np.empty((1, P + 1, L))
    m._jac_resid(ref, x[None], swy, sw, bj, p[None], [np.empty((1, L)) for _ in range(5)])
    peaks, base = F._kernel_model(m)
    J = np.empty((P + 2, L))
    K._jac_resid(K.SHAPE_CODE[shape], peaks, base, shared, x, np.sqrt(w) * y, np.sqrt(w),
                 0.7, p, L, J)
    np.testing.assert_allclose(J[:P + 1], ref[0], rtol=1e-12, atol=1e-12 * np.abs(ref).max())


# ----------------------------------------------------------------------------- accuracy

@pytest.mark.parametrize("shape", SHAPES)
def test_recovers_single_peak_within_errors(shape):
    rng = np.random.default_rng(11)
    m = single(shape)
    x = np.linspace(-10, 10, 400)
    truth = truth_single(shape)
    sigma = 2.0
    y = m.evaluate(x, truth) + rng.normal(0, sigma, x.size)
    r = fit_spectrum(x, y, m, guess_peaks(x, y, m), sigma=np.full(x.size, sigma),
                     scale_covar=False)
    assert r.success, r.message
    assert r.x_ref == pytest.approx(0.0)
    z = [(r.params[n] - t) / r.stderr[n] for n, t in zip(m.param_names, truth)]
    assert np.all(np.abs(z) < 3.5), dict(zip(m.param_names, np.round(z, 2)))
    # with known sigma, chi-square per degree of freedom is 1 within its spread sqrt(2/dof)
    assert abs(r.redchi - 1) < 4 * np.sqrt(2 / (r.ndata - r.nvarys))


@pytest.mark.parametrize("shape,scale_covar", [("pseudo_voigt", True), ("pseudo_voigt", False),
                                               ("gaussian", True), ("lorentzian", True)])
def test_stderr_agrees_with_scatter_over_noise(shape, scale_covar):
    """400 noise realisations: the spread of fitted values equals the reported errors."""
    rng = np.random.default_rng(5)
    m = single(shape)
    x = np.linspace(-10, 10, 300)
    truth = truth_single(shape)
    sigma = 3.0
    y = m.evaluate(x, truth) + rng.normal(0, sigma, (400, x.size))
    fit = fit_batch(x, y, m, truth, sigma=None if scale_covar else np.full(x.size, sigma),
                    scale_covar=scale_covar)
    assert fit.success.all()
    for name in m.param_names:
        scatter = fit.value(name).std(ddof=1)
        reported = fit.error(name).mean()
        # std of 400 samples is known to 1/sqrt(2*399) = 3.5 %: 15 % is > 4 of those
        assert reported == pytest.approx(scatter, rel=0.15), name
        assert abs(fit.value(name).mean() - truth[m.param_names.index(name)]) < 4 * scatter / 20


def test_agrees_with_lmfit():
    import lmfit  # a test dependency (pyproject [test])
    rng = np.random.default_rng(8)
    m = single("pseudo_voigt")
    x = np.linspace(-10, 10, 400)
    truth = truth_single("pseudo_voigt")
    y = m.evaluate(x, truth) + rng.normal(0, 1.0, x.size)
    p0 = guess_peaks(x, y, m)[0]
    ours = fit_spectrum(x, y, m, p0)

    def pv(x, amplitude0, center0, fwhm0, eta0, b0, b1):
        return m.evaluate(x, [amplitude0, center0, fwhm0, eta0, b0, b1])

    lm = lmfit.Model(pv).fit(y, x=x, **dict(zip(m.param_names, p0)),
                             fit_kws=dict(ftol=1e-15, xtol=1e-15))
    for name in m.param_names:
        ref, err = lm.params[name].value, lm.params[name].stderr
        assert abs(ours.params[name] - ref) < 1e-3 * err, name
        if not name.startswith("b"):
            assert ours.params[name] == pytest.approx(ref, rel=1e-6), name
        # lmfit's errors come from a finite-difference Jacobian
        assert ours.stderr[name] == pytest.approx(err, rel=1e-3), name
    assert ours.chi2 == pytest.approx(lm.chisqr, rel=1e-9)
    assert ours.redchi == pytest.approx(lm.redchi, rel=1e-9)


def test_shared_width_doublet():
    rng = np.random.default_rng(2)
    m = PeakModel("pseudo_voigt", 2, shared_width=True, baseline_degree=1)
    x = np.linspace(680, 710, 1500)
    truth = np.array([8000.0, 696.1, 4400.0, 694.68, 0.9, 0.6, 300.0, 4.0])
    mean = m.evaluate(x, truth, x_ref=695.0)
    y = rng.poisson(mean).astype(float)
    window = (689.5, 701.0)
    fit = fit_spectrum(x, y, m, guess_peaks(x, y, m, window=window), window=window,
                       sigma=np.sqrt(mean))
    assert fit.success, fit.message
    assert fit.x_ref == pytest.approx(695.25)
    base_true = 300.0 + 4.0 * (fit.x_ref - 695.0)        # b0 refers to x_ref
    truth_at_ref = dict(zip(m.param_names, truth)) | {"b0": base_true}
    for name, t in truth_at_ref.items():
        assert abs(fit.params[name] - t) < 4 * fit.stderr[name], name
    assert fit.params["center0"] > fit.params["center1"]   # peak0 is the taller one


# ----------------------------------------------------------------------------- failures

def test_bad_spectra_are_flagged_not_raised():
    rng = np.random.default_rng(4)
    m = single("gaussian")
    x = np.linspace(-10, 10, 200)
    truth = truth_single("gaussian")
    y = m.evaluate(x, truth) + rng.normal(0, 1.0, (5, x.size))
    y[1] = 7.0                                  # flat: no peak to determine
    y[3, 50] = np.nan
    fit = fit_batch(x, y, m, guess_peaks(x, y, m))
    assert fit.success.tolist() == [True, False, True, False, True]
    assert fit.message[1].startswith("singular Jacobian")
    assert fit.message[3].startswith("non-finite values")
    assert np.isnan(fit.stderr[3]).all()
    alone = fit_spectrum(x, y[2], m, guess_peaks(x, y[2], m))
    np.testing.assert_allclose(fit.params[2], alone._vector(), rtol=1e-12)


def test_degenerate_parameters_are_flagged():
    """Two identical peaks started at the same place stay identical: their split is undefined."""
    m = PeakModel("gaussian", 2, baseline_degree=0)
    x = np.linspace(-10, 10, 200)
    y = single("gaussian", 0).evaluate(x, [100.0, 0.3, 2.0, 1.0])
    fit = fit_batch(x, y, m, [50.0, 0.0, 2.5, 50.0, 0.0, 2.5, 0.0])
    assert not fit.success[0]
    assert fit.message[0] == "singular Jacobian: parameters are degenerate"
    assert np.isnan(fit.stderr[0]).all()


def test_exactly_singular_matrix_is_flagged_not_raised():
    """A peak collapsed onto one point gives three identical Jacobian columns: Cholesky may
    let the scaled matrix through on rounding, but it has no inverse. Only that spectrum is
    flagged; the batch is not lost (np.linalg.inv raises for the whole stack)."""
    rng = np.random.default_rng(0)
    spike = np.zeros(50)
    spike[17] = 1.0
    J = np.column_stack([rng.normal(size=(50, 6)), 0.3 * spike, -2.0 * spike, -0.7 * spike,
                         rng.normal(size=50)])
    M = np.zeros((2, 11, 11))
    M[0, :10, :10] = J.T @ J
    good = rng.normal(size=(50, 10))
    M[1, :10, :10] = good.T @ good
    cov, singular = F._covariance(M, 10, np.ones(2))
    assert singular.tolist() == [True, False]
    assert np.isnan(cov[0]).all()
    np.testing.assert_allclose(cov[1], np.linalg.inv(good.T @ good), rtol=1e-10)


def test_non_convergence_is_reported():
    m = single("lorentzian")
    x = np.linspace(-10, 10, 200)
    y = m.evaluate(x, truth_single("lorentzian"))
    fit = fit_batch(x, y, m, [50.0, -3.0, 6.0, 0.0, 0.0], max_iter=2)
    assert not fit.success[0]
    assert fit.message[0] == "did not converge in 2 iterations"
    assert fit.nfev[0] == 3


def test_too_few_points_in_window():
    m = single("gaussian")
    x = np.linspace(-10, 10, 200)
    y = m.evaluate(x, truth_single("gaussian"))[None].repeat(2, 0)
    fit = fit_batch(x, y, m, truth_single("gaussian"), window=[(-10, 10), (0.0, 0.3)])
    assert fit.success.tolist() == [True, False]
    assert "fewer points" in fit.message[1]


def test_backends_agree_on_a_noisy_batch_with_bad_spectra():
    """300 noisy doublets, some flat, NaN or too short: numba and numpy give the same fits.

    The two engines take the same steps and only sum in another order, so converged results
    agree to rounding (1e-9 relative leaves 1e6 ulps for the ~5 steps' amplification), and
    every per-spectrum decision (success, message, number of evaluations) is the same. A fit
    that fails to converge (here one whose guess put both peaks on R1) wanders 200 steps
    along a flat valley where rounding differences grow: only its verdict must agree.
    """
    pytest.importorskip("numba")
    rng = np.random.default_rng(21)
    m = PeakModel("pseudo_voigt", 2, shared_width=True, baseline_degree=1)
    x = np.linspace(680, 710, 1024)
    n = 300
    r1 = rng.uniform(694, 698, n)
    a0 = rng.uniform(2e3, 2e4, n)
    truth = np.column_stack([a0, r1, a0 * rng.uniform(0.45, 0.6, n), r1 - 1.45,
                             rng.uniform(0.5, 1.2, n), rng.uniform(0.2, 0.8, n),
                             rng.uniform(200, 400, n), rng.uniform(2, 8, n)])
    y = rng.poisson(m.evaluate(x, truth, 695.0)).astype(float)
    y[10] = 300.0                                   # flat
    y[20, 500] = np.nan
    y[30] = rng.poisson(300.0, x.size)              # noise only
    windows = np.column_stack([r1 - 6.5, r1 + 5.0])
    windows[40] = (695.0, 695.1)                    # 3 points: fewer than parameters + 1
    sigma = np.sqrt(np.maximum(y, 1.0))
    fits = {b: fit_batch(x, y, m, None, window=windows, sigma=sigma, backend=b)
            for b in ("numpy", "numba")}
    lengths = [1024] * 5 + [6]
    ragged = {b: fit_batch([x[:k] for k in lengths], [y[i, :k] for i, k in enumerate(lengths)],
                           m, None, backend=b) for b in ("numpy", "numba")}
    for a, b in (fits.values(), ragged.values()):
        assert a.message == b.message
        np.testing.assert_array_equal(a.success, b.success)
        np.testing.assert_array_equal(a.nfev, b.nfev)
        np.testing.assert_array_equal(a.ndata, b.ndata)
        ok = a.success
        for field in ("params", "stderr", "chi2", "redchi", "x_ref"):
            np.testing.assert_allclose(getattr(b, field)[ok], getattr(a, field)[ok],
                                       rtol=1e-9, atol=0, err_msg=field)
    a = fits["numpy"]
    assert np.flatnonzero(~a.success).tolist() == [10, 20, 40]    # noise-only 30 fits noise
    assert a.message[10].startswith("singular Jacobian")
    assert a.message[20].startswith("non-finite values")
    assert "fewer points" in a.message[40]
    assert ragged["numpy"].success.tolist() == [True] * 5 + [False]
    assert "fewer points" in ragged["numpy"].message[5]
    with pytest.raises(InputError, match="backend must be one of"):
        fit_batch(x, y[:2], m, None, backend="cuda")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_compiled_backend_survives_fork():
    """A process forked after a compiled fit (multiprocessing's default on Linux) fits again:
    the kernel module asks numba for a fork-safe thread pool (with GNU OpenMP the child
    aborts on its first parallel call)."""
    pytest.importorskip("numba")
    if os.environ.get("NUMBA_THREADING_LAYER", "forksafe") not in ("forksafe", "workqueue", "tbb"):
        pytest.skip("NUMBA_THREADING_LAYER chooses a pool that is not fork-safe")
    m = single("gaussian")
    x = np.linspace(-10, 10, 200)
    y = m.evaluate(x, truth_single("gaussian"))[None].repeat(4, 0)
    assert fit_batch(x, y, m, None, backend="numba").success.all()
    pid = os.fork()
    if pid == 0:                                # the child: report through the exit status
        try:
            ok = fit_batch(x, y, m, None, backend="numba").success.all()
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


# ----------------------------------------------------------------------------- bounds

def test_bounds_are_respected():
    rng = np.random.default_rng(9)
    m = single("pseudo_voigt")
    x = np.linspace(-10, 10, 300)
    lor = PeakModel("lorentzian", 1).evaluate(x, [100.0, 0.0, 1.5, 5.0, 0.0])
    y = np.stack([lor + rng.normal(0, 0.5, x.size) for _ in range(3)])
    p0 = np.array([80.0, 0.2, 2.0, 0.5, 5.0, 0.0])
    # a pure Lorentzian pushes eta to its limit 1; a user bound holds center0 away from 0
    fit = fit_batch(x, y, m, p0, bounds={"center": (np.array([-1.0, 0.25, -1.0]), 1.0)})
    assert fit.success.all(), fit.message
    assert np.all(fit.value("eta0") <= 1.0)
    assert np.all(fit.value("eta0")[[0, 2]] > 0.95)
    assert fit.value("center0")[1] == pytest.approx(0.25)
    assert np.all(fit.value("fwhm0") > 0)
    fit = fit_batch(x, y, m, p0, bounds={"fwhm0": (0.1, 1.2)})
    assert fit.success.all(), fit.message
    assert np.all(fit.value("fwhm0") <= 1.2)
    assert fit.value("fwhm0")[0] == pytest.approx(1.2)


@pytest.mark.parametrize("bounds,match", [
    ({"sigma": (0, 1)}, "not a parameter"),
    ({"center0": (1, 0)}, "lower bound must be below"),
    ({"eta": (2, 3)}, "leave no room"),
    ({"center0": (0, 1, 2)}, r"must be \(lo, hi\)"),
])
def test_bad_bounds(bounds, match):
    m = single("pseudo_voigt")
    x = np.linspace(-5, 5, 50)
    with pytest.raises(InputError, match=match):
        fit_batch(x, np.ones((1, 50)), m, np.ones(6), bounds=bounds)


# ----------------------------------------------------------------------------- inputs

def test_shape_mismatches_raise_input_error():
    m = single("gaussian")
    x = np.linspace(-5, 5, 50)
    y = np.ones((2, 50))
    p0 = np.ones(5)
    cases = [
        (dict(x=x[:-1], y=y, p0=p0), "x has 49 points but y has 50"),
        (dict(x=np.ones((3, 50)), y=y, p0=p0), r"x has shape \(3, 50\)"),
        (dict(x=x, y=y, p0=np.ones(4)), "p0 has shape"),
        (dict(x=x, y=y, p0=np.ones((3, 5))), "p0 has shape"),
        (dict(x=x, y=y, p0=p0, sigma=np.ones(49)), "sigma has shape"),
        (dict(x=x, y=y, p0=p0, window=(1, 2, 3)), "window must be"),
        (dict(x=x, y=y, p0=p0, window=(2, 1)), "lo < hi"),
        (dict(x=x, y=y, p0=p0, window=(20, 30)), "contains no x values"),
        (dict(x=[x, x, x], y=y, p0=p0), "same non-zero length, got 3 and 2"),
        (dict(x=np.ones((2, 50)), y=[x, x], p0=p0), "x must be a list"),
        (dict(x=[x, x[:10]], y=[x, x], p0=p0), r"x\[1\] has 10 points but y\[1\] has 50"),
        (dict(x=x, y=np.ones((2, 2, 50)), p0=p0), "1-D or 2-D"),
        (dict(x=x, y=np.full((2, 50), "a"), p0=p0), "y must be numbers"),
        (dict(x=x, y=np.zeros((0, 50)), p0=p0), "y holds no data"),
    ]
    for kw, match in cases:
        with pytest.raises(InputError, match=match):
            fit_batch(kw.pop("x"), kw.pop("y"), m, kw.pop("p0"), **kw)
    with pytest.raises(InputError, match="PeakModel"):
        fit_batch(x, y, "gaussian", p0)
    with pytest.raises(InputError, match="one spectrum"):
        fit_spectrum(x, y, m, p0)


def test_ragged_lists_and_per_spectrum_windows_match_single_fits():
    rng = np.random.default_rng(6)
    m = single("pseudo_voigt")
    truth = truth_single("pseudo_voigt")
    xs = [np.linspace(-10, 10, k) for k in (180, 260, 333)]
    ys = [m.evaluate(x, truth) + rng.normal(0, 1.0, x.size) for x in xs]
    batch = fit_batch(xs, ys, m, truth, sigma=[np.full(x.size, 1.0) for x in xs])
    assert batch.ndata.tolist() == [180, 260, 333]
    same = fit_batch(xs[0], [ys[0], ys[0]], m, truth)       # shared x, list of spectra
    np.testing.assert_allclose(same.params[1], same.params[0])
    for i, (x, y) in enumerate(zip(xs, ys)):
        alone = fit_spectrum(x, y, m, truth, sigma=np.ones(x.size))
        np.testing.assert_allclose(batch.params[i], alone._vector(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(batch.stderr[i], list(alone.stderr.values()), rtol=1e-8)

    x = np.linspace(-10, 10, 400)
    y = np.stack([m.evaluate(x, truth) + rng.normal(0, 1.0, x.size) for _ in range(3)])
    windows = np.array([(-6.0, 7.0), (-4.0, 4.5), (-8.0, 3.0)])
    batch = fit_batch(x, y, m, None, window=windows)
    np.testing.assert_allclose(batch.x_ref, windows.mean(axis=1))
    for i, (lo, hi) in enumerate(windows):
        keep = (x >= lo) & (x <= hi)
        alone = fit_spectrum(x[keep], y[i, keep], m, batch.params[i], window=(lo, hi))
        assert batch.ndata[i] == keep.sum()
        np.testing.assert_allclose(batch.params[i], alone._vector(), rtol=1e-7, atol=1e-9)


# ----------------------------------------------------------------------------- guesses

def test_guess_finds_a_shoulder_and_the_baseline():
    rng = np.random.default_rng(1)
    m = PeakModel("pseudo_voigt", 2, shared_width=True, baseline_degree=1)
    x = np.linspace(685, 705, 800)
    # R2 sits 1.4 nm below R1 with FWHM 1.6 nm: a shoulder without its own maximum
    truth = np.array([5000.0, 695.0, 2500.0, 693.6, 1.6, 0.5, 200.0, 3.0])
    y = rng.poisson(m.evaluate(x, truth, x_ref=695.0)).astype(float)
    g = guess_peaks(x, y, m)[0]
    assert g[1] == pytest.approx(695.0, abs=0.1)
    assert g[3] == pytest.approx(693.6, abs=0.4)
    assert g[4] == pytest.approx(1.6, rel=0.3)
    assert g[6] == pytest.approx(200.0 + 3.0 * (695.0 - 695.0), abs=60)
    assert g[7] == pytest.approx(3.0, abs=2.0)
    fit = fit_spectrum(x, y, m, g, sigma=np.sqrt(np.maximum(y, 1)))
    assert fit.success
    assert abs(fit.params["center1"] - 693.6) < 4 * fit.stderr["center1"]


def test_guess_in_a_batch_of_shifted_peaks():
    m = PeakModel("gaussian", 1, baseline_degree=0)
    x = np.linspace(0, 100, 1000)
    centres = np.linspace(20, 80, 7)
    y = np.stack([m.evaluate(x, [10.0, c, 3.0, 1.0]) for c in centres])
    g = guess_peaks(x, y, m)
    np.testing.assert_allclose(g[:, 1], centres, atol=0.1)
    np.testing.assert_allclose(g[:, 2], 3.0, rtol=0.1)
    np.testing.assert_allclose(g[:, 3], 1.0, atol=0.05)


def test_guess_does_not_depend_on_the_rest_of_the_batch():
    rng = np.random.default_rng(12)
    m = PeakModel("pseudo_voigt", 2, shared_width=True, baseline_degree=1)
    truth = np.array([900.0, 2.0, 400.0, -1.0, 1.0, 0.5, 20.0, 1.0])
    xs = [np.linspace(-10, 10, k) for k in (90, 1500, 400)]
    ys = [rng.poisson(m.evaluate(x, truth)).astype(float) for x in xs]
    together = guess_peaks(xs, ys, m)
    for i in range(3):
        np.testing.assert_array_equal(together[i], guess_peaks(xs[i], ys[i], m)[0])


# ----------------------------------------------------------------------------- results

def test_result_objects():
    rng = np.random.default_rng(7)
    m = PeakModel("pseudo_voigt", 2, shared_width=True, baseline_degree=1)
    x = np.linspace(-10, 10, 400)
    truth = np.array([50.0, 1.0, 30.0, -1.5, 1.2, 0.4, 3.0, 0.1])
    y = m.evaluate(x, truth) + rng.normal(0, 0.5, (4, x.size))
    fit = fit_batch(x, y, m, guess_peaks(x, y, m))
    assert isinstance(fit, BatchFit) and len(fit) == 4
    one = fit[-1]
    assert isinstance(one, FitResult)
    assert one.params["fwhm"] == fit.value("fwhm")[3]
    assert one.stderr["center0"] == fit.error("center0")[3]
    np.testing.assert_allclose(np.diag(one.correl), 1.0)
    np.testing.assert_allclose(one.eval(x), sum(one.components(x).values()))
    np.testing.assert_allclose(one.eval(x), m.evaluate(x, fit.params[3], fit.x_ref[3]))
    text = one.report()
    assert "center0" in text and "+/-" in text and "reduced chi-square" in text
    assert "C(" in text                             # amplitudes and width are correlated
    df = fit.to_frame()
    assert len(df) == 4
    for col in ("center0", "center0_err", "fwhm_err", "redchi", "success"):
        assert col in df.columns
    with pytest.raises(InputError, match="no parameter 'sigma'"):
        fit.value("sigma")
    with pytest.raises(IndexError):
        fit[4]


# ----------------------------------------------------------------------------- real data

def test_real_ruby_spectrum(real_data):
    """Rubycond_OF's example ruby spectrum (1024 px, 680–710 nm): R1/R2 of ruby near ambient."""
    data = np.genfromtxt(real_data / "rubycond_of" / "Ruby_example.dat", delimiter=",",
                         skip_header=1)
    x, y = data[:, 0], data[:, 1]
    m = PeakModel("pseudo_voigt", 2, shared_width=True, baseline_degree=1)
    top = x[np.argmax(y)]
    window = (top - 6.5, top + 5.0)
    fit = fit_spectrum(x, y, m, window=window, sigma=np.sqrt(np.maximum(y, 1.0)))
    assert fit.success, fit.message
    # ruby's R1–R2 splitting is ~29 cm^-1, i.e. ~1.4 nm near 694 nm
    split = fit.params["center0"] - fit.params["center1"]
    assert 1.3 < split < 1.6
    assert 693.5 < fit.params["center0"] < 695.5
    assert fit.stderr["center0"] < 0.01
    assert 0.4 < fit.params["amplitude1"] / fit.params["amplitude0"] < 0.8


def test_exactly_singular_normal_matrix_gives_a_finite_step_on_both_backends():
    # a peak over a flat (clipped) top makes its amplitude and the baseline constant the same
    # column: one such spectrum raised LinAlgError (numpy) or ZeroDivisionError (numba) and
    # took the whole batch with it
    from dackit.core import _lm_kernel
    from dackit.core.fitting import _solve_stack
    a = np.array([[[1.0, 1.0], [1.0, 1.0]], [[2.0, 0.0], [0.0, 1.0]]])
    b = np.array([[[1.0], [1.0]], [[2.0], [3.0]]])
    x = _solve_stack(a, b)
    assert np.isfinite(x).all()
    np.testing.assert_allclose(a[0] @ x[0], [1.0, 1.0])       # still solves the consistent system
    np.testing.assert_allclose(x[1], [1.0, 3.0])
    out, work = np.zeros(2), np.zeros((2, 2))
    _lm_kernel._solve(a[0], 0.0, b[0, :, 0], out, work)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(a[0] @ out, [1.0, 1.0])
