"""NIST/IGOR .ABS rows behind the beam stop (ShadowFactor < 0.5) are read but not analysed
(issue 10): their intensity rises from 0 across the stop's penumbra, and that edge was fitted
as a Bragg line (an NCNR fibrin SANS curve: 'fcc a = 5265 Å' from the edge alone)."""
import numpy as np
import pytest

from dackit.errors import InputError
from dackit.io.nistabs import MIN_SHADOW_FACTOR
from dackit.saxs.analysis import analyse_saxs, load_saxs

HEADER = """FILE: SYN001.SA2_DEL		 CREATED: Wed, May 09, 2012 9:42:24 PM
LABEL: synthetic lamellar stack behind a beam stop
MON CNT   LAMBDA   DET ANG   DET DIST   TRANS   THICK   AVE   STEP
1e+08  6.0       0     4.0     0.9     0.1C   1
BCENT(X,Y)   A1(mm)   A2(mm)   A1A2DIST(m)   DL/L   BSTOP(mm)   DET_TYP
64.0  64.0  38.1    6.35    15.7    0.115    76.2    ORNL
The 6 columns are | Q (1/A) | I(Q) (1/cm) | std. dev. I(Q) (1/cm) | sigmaQ | meanQ | ShadowFactor|
"""
D = 314.0  # Å: orders at q = 0.0200, 0.0400 Å⁻¹


def _abs_file(tmp_path):
    q = np.arange(0.002, 0.1, 0.0004)
    smooth = 2.0 * (q / 0.01) ** -3 + 0.05
    lines = sum(h * np.exp(-4 * np.log(2) * ((q - 2 * np.pi * n / D) / 0.0015) ** 2) for n, h in ((1, 20.0), (2, 4.0)))
    # the stop's penumbra: the unshadowed fraction rises from 0 to 1 over the first rows
    shadow = np.clip((q - 0.0030) / 0.0016, 1e-10, 1.0)
    true = smooth + lines
    rng = np.random.default_rng(5)
    err = 0.02 * true + 0.002
    i = shadow * true + rng.normal(0, err)
    rows = "\n".join(f"{a:.6g} {b:.6g} {c:.4g} 0.0005 {a:.6g} {s:.4g}" for a, b, c, s in zip(q, i, err, shadow))
    path = tmp_path / "syn001.ABS"
    path.write_text(HEADER + rows + "\n")
    return path, q[np.argmax(shadow >= MIN_SHADOW_FACTOR)]


def test_shadowed_rows_are_read_but_not_analysed(tmp_path):
    path, q_edge = _abs_file(tmp_path)
    pattern = load_saxs(path)
    assert pattern.q_inv_a[0] == pytest.approx(0.002)  # every row read, as sasdata reads them
    assert pattern.metadata["beamstop_q_min"] == pytest.approx(q_edge)
    res = analyse_saxs(pattern)
    assert res.peaks[0].q_inv_a > q_edge
    assert res.mesophase == "lamellar"
    assert res.lattice_a == pytest.approx(D, rel=0.01)
    assert any("ShadowFactor" in n for n in res.verdict.notes)


def test_curve_almost_wholly_behind_the_stop_is_refused_by_name(tmp_path):
    """Fewer than 10 rows beyond the shadow: a named error, not the shadowed rows analysed
    while the reader's note says they are not."""
    path, q_edge = _abs_file(tmp_path)
    head, rows = path.read_text().split("ShadowFactor|\n")
    rows = rows.splitlines()
    cut = [r for r in rows if float(r.split()[0]) < q_edge][:] + \
        [r for r in rows if float(r.split()[0]) >= q_edge][:6]
    path.write_text(head + "ShadowFactor|\n" + "\n".join(cut) + "\n")
    with pytest.raises(InputError, match=r"syn001\.ABS: only [67] of 12 points lie beyond the beam stop"):
        analyse_saxs(load_saxs(path))
