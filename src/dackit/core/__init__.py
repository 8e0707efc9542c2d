"""Foundation shared by every technique: units, spectra, results, the batched peak fitter."""
