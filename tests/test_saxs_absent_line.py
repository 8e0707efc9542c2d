"""A cubic reading whose first line, its strongest, is absent from the data (issue 10, saxs15).

A BCC paracrystal's lines fall low by an amount that grows with the order (sasmodels'
``bcc_paracrystal``, tests/sasmodels_curves case 12: 200 0.6 %, 211 0.9 %, the merged
321/400 hump 1.9 %), and an FCC cell √2 larger, whose 200, 220, 222, 420 are BCC's 110,
200, 211, 310, fits those positions better: its 333/511 sits where the hump is. FCC pays
only the indexing's missing-line penalty for its 111, below the first peak, although the
200 seen at 40σ says a 111 is at least 0.55 × 8/3 ÷ 6/4 times as strong (first lobe of the
form factor, Lorentz weights, twice the strength scatter). The same lines are built here
with numpy on the smooth level case 12 shows under its lines: the FCC 111 is measured
absent, BCC goes first, doubtful."""
import numpy as np
import pytest

from dackit.saxs import analyse_saxs
from dackit.saxs.analysis import load_saxs

A = 126.2  # Å, BCC
K = 2 * np.pi / A
# (q, height in S(q) − 1, FWHM, Lorentzian share): case 12's lines, where the paracrystal
# puts them relative to the BCC lattice
LINES = [(K * np.sqrt(2), 77.6, 0.0046, 0.63), (0.994 * K * 2, 2.76, 0.0064, 0.0),
         (0.991 * K * np.sqrt(6), 1.12, 0.0073, 0.0), (K * np.sqrt(10), 0.92, 0.016, 1.0),
         (0.983 * K * np.sqrt(14), 2.0, 0.015, 0.5)]
# the smooth level under case 12's lines (counts): a crystal's S(q) dips below its first line
KNOT_Q = [0.043, 0.05, 0.06, 0.07, 0.085, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.25, 0.3, 0.4, 0.46]
KNOT_I = [600, 1300, 3390, 3050, 2580, 2120, 1110, 751, 714, 669, 630, 567, 529, 479, 460]


def _pv(q, c, w, eta):
    x = (q - c) / w
    return eta / (1 + 4 * x**2) + (1 - eta) * np.exp(-4 * np.log(2) * x**2)


def _bcc_paracrystal(path, seed=0, q_from=0.04335):
    """BCC lines as above on the smooth level, Poisson counts, 722 points to 0.4535 Å⁻¹."""
    rng = np.random.default_rng(seed)
    q = np.linspace(q_from, 0.4535, 722)
    level = np.exp(np.interp(np.log(q), np.log(KNOT_Q), np.log(KNOT_I)))
    counts = rng.poisson(level * (1 + sum(h * _pv(q, c, w, e) for c, h, w, e in LINES))).astype(float)
    np.savetxt(path, np.column_stack([q, counts, np.sqrt(np.maximum(counts, 1))]),
               header="q_A^-1 I sigma")
    return path


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_bcc_paracrystal_is_not_read_fcc_through_an_absent_111(tmp_path, seed):
    """BCC with its lattice within 1 % (issue 10), doubtful, the FCC 111 named absent
    (main: FCC a = 179.0 Å, doubtful)."""
    res = analyse_saxs(load_saxs(_bcc_paracrystal(tmp_path / "bcc.dat", seed)))
    assert res.mesophase == "bcc", res.verdict.notes
    assert abs(res.lattice_a / A - 1) < 0.01, res.lattice_a
    assert res.indexing.method == "positions, absent line"
    assert res.verdict.quality == "doubtful"
    assert any("fcc" in n and "111" in n and "measured absent" in n for n in res.verdict.notes), \
        res.verdict.notes


def test_first_line_without_data_below_it_is_not_measured(tmp_path):
    """With the data starting within two line widths under the FCC 111, no baseline stands
    on its low side: the line is not measured, the position ranking stands, doubtful."""
    res = analyse_saxs(load_saxs(_bcc_paracrystal(tmp_path / "bcc.dat", 0, q_from=0.05)))
    assert res.indexing.method != "positions, absent line"
    assert res.mesophase == "bcc" or res.verdict.quality == "doubtful", res.verdict.notes
