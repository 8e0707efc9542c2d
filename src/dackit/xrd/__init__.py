"""dackit.xrd: X-ray diffraction under pressure.

``geometry`` (PONI files, :class:`~dackit.xrd.geometry.Geometry`), ``integrate`` (images →
patterns with pyFAI), ``simulate`` (detector images of powder rings), ``phases`` and
``structure_factor`` (structures, reflections, calculated patterns), ``lattice`` (lattice
parameters from a pattern: :func:`~dackit.xrd.lattice.fit_lattice`), with its steps in
``peakfit`` (pseudo-Voigt peak groups, Kα doublets) and ``cell`` (cell refinement with the 2θ-axis
terms), ``transitions`` (phase identification and onsets), ``plots`` (figures).

The main names are exported here (listed in ``__init__.pyi``) and imported on first use
(pyFAI alone costs about a second):

>>> from dackit.xrd import fit_lattice, identify_phases, Integrator
"""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
