"""dackit.io — reading and writing the files of a DAC experiment.

Spectra: :func:`read_spectrum` detects the format (plain or named columns, Ocean Optics
text and .ProcSpec, Princeton SPE, Andor SIF, Horiba LabSpec XML, JASCO, CRAIC-style) and
returns a validated :class:`~dackit.core.spectrum.Spectrum`; :func:`write_spectrum`
writes one back (dackit, CSV or Ocean Optics flavour). Patterns: :func:`read_pattern`,
:func:`write_xy`, :func:`write_chi`; detector images and masks: :func:`read_image`,
:func:`read_mask`; canSAS SAXS files: :func:`read_cansas`. :func:`kind_of` says whether a
file is a pattern, a detector image or a spectrum (one table for the CLI and the pipeline);
:func:`xray_kind` does so for X-ray commands and refuses spectra and TEM files by name, and
:func:`identify` names the format of a file no reader takes (HDF5, DM3, SPC, WDF, EMSA…).

The names (listed in ``__init__.pyi``) import on first use, so reading a spectrum does not
load the image libraries.
"""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
