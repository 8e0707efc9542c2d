import pytest

from dackit.errors import ConfigError
from dackit.experiment.description import load_experiment, read_runsheet

TOML = """
name = "test"
runsheet = "runsheet.csv"
[ruby]
scale = "mao1986-hydrostatic"
"""


def _write(tmp_path, toml=TOML, sheet="step,direction,technique,file\n0,compression,ruby,r0.txt\n"):
    (tmp_path / "r0.txt").write_text("1 2\n")
    (tmp_path / "experiment.toml").write_text(toml)
    (tmp_path / "runsheet.csv").write_text(sheet)
    return tmp_path / "experiment.toml"


def test_valid_description(tmp_path):
    exp = load_experiment(_write(tmp_path))
    assert exp.ruby.scale == "mao1986-hydrostatic" and exp.ruby.lambda0_nm == 694.24
    sheet = read_runsheet(exp)
    assert sheet.loc[0, "technique"] == "ruby" and sheet.loc[0, "path"].endswith("r0.txt")


@pytest.mark.parametrize("toml, match", [
    (TOML + "[xrd]\nwavelength_a = 'abc'\n", "xrd.wavelength_a"),
    (TOML + "[pl]\nunknown_key = 1\n", "pl.unknown_key"),
    ('runsheet = "runsheet.csv"\n[ruby]\nscale = "nonsense"\n', "ruby.scale 'nonsense'"),
    (TOML + "[xrd]\nponi = 'missing.poni'\n", "xrd.poni = 'missing.poni' does not exist"),
    (TOML + "[tem]\npixel_nm = 0.5\nscale_bar_nm = 100\n", "pixel_nm or scale_bar_nm, not both"),
    ("name = [\n", "not valid TOML"),
])
def test_bad_description_names_the_key(tmp_path, toml, match):
    with pytest.raises(ConfigError, match=match):
        load_experiment(_write(tmp_path, toml=toml))


@pytest.mark.parametrize("sheet, match", [
    ("step,direction,technique,file\n0,compression,raman,r0.txt\n", "row 2: unknown technique 'raman'"),
    ("step,direction,technique,file\n0,compression,ruby,absent.txt\n", "row 2: file 'absent.txt' does not exist"),
    ("step,direction,technique,file\n0,upwards,ruby,r0.txt\n", "row 2: direction 'upwards'"),
    ("step,direction,technique,file\n0,compression,ruby,r0.txt\n1,compression,pl,r0.txt\n",
     "step 1 has neither a typed pressure_gpa nor a gauge measurement"),
    ("step,technique,file\n0,ruby,r0.txt\n", "missing column"),
    ("step,direction,technique,file\nx,compression,ruby,r0.txt\n", "row 2: step must be an integer"),
])
def test_bad_runsheet_names_the_row(tmp_path, sheet, match):
    exp = load_experiment(_write(tmp_path, sheet=sheet))
    with pytest.raises(ConfigError, match=match):
        read_runsheet(exp)


def test_typed_pressure_is_enough(tmp_path):
    sheet = "step,direction,technique,file,pressure_gpa\n0,compression,pl,r0.txt,1.5\n"
    table = read_runsheet(load_experiment(_write(tmp_path, sheet=sheet)))
    assert table.loc[0, "pressure_gpa"] == 1.5


def test_wavelength_energy_mismatch_is_an_error(tmp_path):
    # the study's SAXS: 0.4859 Å stated with 13.3 keV (= 0.932 Å)
    toml = TOML + "[saxs]\nwavelength_a = 0.4859\nenergy_kev = 13.3\n"
    with pytest.raises(ConfigError, match="saxs.*0.4859 Å and energy 13.3 keV.*disagree"):
        load_experiment(_write(tmp_path, toml=toml))
    exp = load_experiment(_write(tmp_path, toml=TOML + "[saxs]\nwavelength_a = 0.4859\nenergy_kev = 25.516\n"))
    assert exp.saxs.resolved_wavelength_a == 0.4859
    exp = load_experiment(_write(tmp_path, toml=TOML + "[xrd]\nenergy_kev = 20.0\n"))
    assert exp.xrd.resolved_wavelength_a == pytest.approx(0.61992, abs=1e-5)
