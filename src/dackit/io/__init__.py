"""dackit.io — reading and writing the files of a DAC experiment.

Spectra: :func:`read_spectrum` detects the format (plain or named columns, Ocean Optics
text and .ProcSpec, Princeton SPE, Andor SIF, Horiba LabSpec XML, JASCO, CRAIC-style) and
returns a validated :class:`~dackit.core.spectrum.Spectrum`; :func:`write_spectrum`
writes one back (dackit, CSV or Ocean Optics flavour). :func:`kind_of` says whether a file
is a pattern, a detector image or a spectrum (one table for the CLI and the pipeline).
"""
from dackit.io.kinds import kind_of
from dackit.io.spectra import FORMATS, detect_format, read_spectrum, supported_formats, write_spectrum

__all__ = ["FORMATS", "detect_format", "kind_of", "read_spectrum", "supported_formats", "write_spectrum"]
