"""Ensemble line shapes from a size distribution."""
import numpy as np
import pytest

from dackit.core.units import HC_EV_NM
from dackit.errors import FitError, InputError
from dackit.nanocrystal.coreshell import core_shell, exciton_energy
from dackit.nanocrystal.ensemble import diameter_sd_for_fwhm, ensemble_spectra

NC = core_shell("InP", 2.5, "ZnSe", 1.9)


def test_monodisperse_limit_is_the_homogeneous_line():
    spec = ensemble_spectra(NC, 1e-4, homogeneous_fwhm_mev=60.0)
    assert spec.pl_fwhm_ev == pytest.approx(0.060, rel=0.005)
    assert spec.pl_peak_ev == pytest.approx(exciton_energy(NC, 0.0), abs=2e-4)
    # on a wavelength axis a narrow line has FWHM_nm = FWHM_eV · λ²/hc
    assert spec.pl_fwhm_nm == pytest.approx(0.060 * spec.pl_peak_nm ** 2 / HC_EV_NM, rel=0.01)


def test_gaussian_sizes_add_in_quadrature_with_the_homogeneous_width():
    sd = 0.05
    h = 1e-3
    slope = (exciton_energy(core_shell("InP", 2.5 + h, "ZnSe", 1.9))
             - exciton_energy(core_shell("InP", 2.5 - h, "ZnSe", 1.9))) / (2 * h)   # eV/nm
    spec = ensemble_spectra(NC, sd, homogeneous_fwhm_mev=40.0, pl_weighting="number")
    expected = np.hypot(0.040, 2 * np.sqrt(2 * np.log(2)) * abs(slope) * sd)
    # tolerance: curvature of E(d) over ±4 SD shifts the width by < 2 %
    assert spec.pl_fwhm_ev == pytest.approx(expected, rel=0.02)
    assert spec.pl_fwhm_ev > 0.040


def test_smaller_particles_emit_bluer_and_weights_sum_to_one():
    spec = ensemble_spectra(NC, 0.3, distribution="lognormal")
    assert np.all(np.diff(spec.pl_energies_ev) < 0)          # larger core → lower energy
    assert spec.weights.sum() == pytest.approx(1.0)
    vol = ensemble_spectra(NC, 0.3, pl_weighting="volume").pl_peak_ev
    num = ensemble_spectra(NC, 0.3, pl_weighting="number").pl_peak_ev
    assert vol < num                                         # big (red) particles weigh more


def test_sd_for_fwhm_round_trip():
    spec = ensemble_spectra(NC, 0.25)
    assert diameter_sd_for_fwhm(NC, spec.pl_fwhm_nm) == pytest.approx(0.25, abs=2e-3)
    assert diameter_sd_for_fwhm(NC, spec.pl_fwhm_ev, unit="ev") == pytest.approx(0.25, abs=2e-3)
    with pytest.raises(InputError, match="unit"):
        diameter_sd_for_fwhm(NC, 50.0, unit="cm-1")


def test_unreachable_fwhm_raises():
    with pytest.raises(FitError, match="homogeneous"):
        diameter_sd_for_fwhm(NC, 5.0, homogeneous_fwhm_mev=60.0)


@pytest.mark.parametrize("kw,match", [
    ({"diameter_sd_nm": 0.0}, "SD"),
    ({"diameter_sd_nm": 0.2, "distribution": "cauchy"}, "distribution"),
    ({"diameter_sd_nm": 0.2, "vary": "shell"}, "vary"),
    ({"diameter_sd_nm": 0.2, "homogeneous_fwhm_mev": -1}, "homogeneous"),
    ({"diameter_sd_nm": 0.2, "pl_weighting": "mass"}, "pl_weighting"),
])
def test_bad_ensemble_inputs(kw, match):
    with pytest.raises(InputError, match=match):
        ensemble_spectra(NC, **kw)
