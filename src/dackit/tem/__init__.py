"""dackit.tem: TEM/STEM particle detection, size statistics and shell thickness.

>>> from dackit.tem import simulate_tem, detect_particles, size_statistics
>>> sim = simulate_tem(25, 8.0, 0.6, 0.5, seed=3)
>>> det = detect_particles(sim.image, 0.5, contrast="bright")
>>> bool(abs(size_statistics(det.diameters_nm).mean_nm / sim.diameters_nm.mean() - 1) < 0.03)
True
"""
from dackit.tem.detect import Detection, detect_particles
from dackit.tem.io import TemImage, make_tem_image, read_tem_image
from dackit.tem.scalebar import ScaleBar, find_scale_bar, scale_bar_to_pixel_nm
from dackit.tem.simulate import SimulatedTEM, simulate_tem
from dackit.tem.stats import (ZNSE_111_NM, DistributionFit, ShellThickness, SizeStats,
                              fit_size_distribution, shell_thickness, size_statistics)

__all__ = ["Detection", "detect_particles", "TemImage", "make_tem_image", "read_tem_image",
           "ScaleBar", "find_scale_bar", "scale_bar_to_pixel_nm",
           "SimulatedTEM", "simulate_tem", "ZNSE_111_NM", "DistributionFit", "ShellThickness",
           "SizeStats", "fit_size_distribution", "shell_thickness", "size_statistics"]
