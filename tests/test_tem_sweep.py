"""A fixed subset of bench/tem_sweep.py: micrographs built independently of dackit
(tests/tem_synth.py) are measured within 5 % of their true mean diameter, and no case is
wrong with quality ok (issue 10)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from tem_sweep import run_case  # noqa: E402
from tem_synth import random_params, typical_params  # noqa: E402


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_typical_micrograph_mean_within_five_percent(seed):
    case = run_case(typical_params(np.random.default_rng(seed)))
    assert case["outcome"] in ("right_ok", "right_doubtful"), case


@pytest.mark.parametrize("seed", [21, 22])
def test_adversarial_micrograph_is_never_wrong_and_ok(seed):
    case = run_case(random_params(np.random.default_rng(seed)))
    assert case["outcome"] != "wrong_ok", case


def test_sparse_bright_discs_are_not_cut_by_a_noise_scale_top_hat():
    """Nine bright discs of 25 px wholly inside a flat, noisy frame: the flat model measures
    them, and the lumpy-support check must not replace them by the top-hat of a disk the
    noise chose (8 px), which cut them to one 'particle' (−7 % at n = 1; with a gradient,
    11 specks of 4.8 px)."""
    p = {"seed": 1712313633, "size_px": 384, "n": 19, "mean_d_px": 26.03, "cv": 0.136, "aspect": 1.23,
         "shape": "disc", "bright": True, "contrast": 0.377, "snr": 12.5, "blur_px": 0.65, "gradient": 0.156,
         "grain": 0.0, "grain_px": 2.5, "touching": 0.0, "scale_bar": False}
    case = run_case(p)
    assert case["n_found"] >= 8, case
    assert abs(case["error"]) <= 0.05, case
