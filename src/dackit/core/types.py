"""Type aliases of dackit's public signatures.

``ArrayLike`` (numpy's) is what a function accepts and converts with ``np.asarray``;
``FloatOrArray`` is a number or an array used directly in numpy arithmetic (peak parameters
that broadcast against x, for example).
"""
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike

FloatOrArray: TypeAlias = float | np.ndarray

__all__ = ["ArrayLike", "FloatOrArray"]
