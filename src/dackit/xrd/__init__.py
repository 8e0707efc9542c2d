"""dackit.xrd: X-ray diffraction under pressure.

``geometry`` (PONI files, :class:`~dackit.xrd.geometry.Geometry`), ``integrate`` (images →
patterns with pyFAI), ``simulate`` (detector images of powder rings), ``phases`` and
``lattice`` (structures, reflections, cell refinement).
"""
