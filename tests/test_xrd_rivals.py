"""Two phases of one structure type in a pattern: the rival-cell check of dackit.xrd.rivals."""
import numpy as np

from cli_helpers import run_json


def _rocksalt_lines(a, lam, odd_weight, tth_max):
    """2θ and heights of an F-centred cubic pattern: h, k, l all even or all odd; odd lines
    scaled by ``odd_weight`` (KCl: K⁺ and Cl⁻ scatter alike, its odd lines vanish)."""
    out = []
    for n in range(1, 60):
        hkl = [(h, k, l) for h in range(8) for k in range(h + 1) for l in range(k + 1)
               if h * h + k * k + l * l == n and len({h % 2, k % 2, l % 2}) == 1]
        if not hkl:
            continue
        s = lam * np.sqrt(n) / (2 * a)
        if s >= np.sin(np.radians(tth_max / 2)):
            break
        height = np.exp(-0.02 * n) * (odd_weight if hkl[0][0] % 2 else 1.0)
        out.append((np.degrees(2 * np.arcsin(s)), height))
    return out


def test_two_rocksalt_phases_fitted_as_the_weaker_is_never_ok(tmp_path):
    """numpy-built: a strong NaCl-like line set (a = 5.64 Å) and one a sixth of its height at
    a = 6.29 Å with vanishing odd lines (KCl-like), λ = 0.4 Å, Gaussian lines on a flat
    background with Poisson noise. Asked for KCl (a = 6.29 Å nominal), the search took the
    NaCl cell −10 % away with quality ok; the KCl lines beside it make it doubtful. Asked for
    NaCl the result stays ok and right."""
    lam, x = 0.4, np.arange(3.0, 30.0, 0.002)
    y = np.full_like(x, 200.0)
    for a, odd, scale in ((5.64, 0.25, 6000.0), (6.29, 0.0, 1000.0)):
        for t, h in _rocksalt_lines(a, lam, odd, 30.0):
            y += scale * h * np.exp(-0.5 * ((x - t) / 0.01) ** 2)
    y = np.random.default_rng(7).poisson(y).astype(float)
    path = tmp_path / "nacl_kcl.xy"
    path.write_text("# 2th_deg I\n" + "".join(f"{t:.4f} {i:.0f}\n" for t, i in zip(x, y)))
    code, rows, err = run_json("xrd", "lattice", path, "--phase", "rocksalt:a=6.29:cation=K:anion=Cl",
                               "--wavelength", str(lam))
    assert code == 0, err
    row = rows[0]
    if abs(row["a_angstrom"] - 6.29) > 0.002:
        assert row["quality"] == "doubtful", row
        assert any("second cell" in n for n in row["quality_notes"]), row["quality_notes"]
    code, rows, err = run_json("xrd", "lattice", path, "--phase", "nacl", "--wavelength", str(lam))
    assert code == 0, err
    assert abs(rows[0]["a_angstrom"] - 5.64) < 0.002 and rows[0]["quality"] == "ok", rows[0]
