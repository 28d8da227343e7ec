"""The value model: the default pyramid, and bad model files refused with file, field and problem."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from scoring.model import ModelFileError, load_model, parse_model

DEFAULT_FILE = Path(__file__).parent.parent / "scoring" / "data" / "value_model.yml"
DEFAULT = yaml.safe_load(DEFAULT_FILE.read_text("utf-8"))


def test_the_default_model_is_the_value_pyramid(model):
    assert model.criteria_count == 12
    pyramid = sorted(model.bands, key=lambda b: -b.points)
    assert [b.id for b in pyramid[:3]] == ["customer_onboarding", "nearly_done", "internal_efficiency"]
    assert 180 <= pyramid[0].points <= 220  # "~200 points" for a customer in onboarding
    assert pyramid[0].points > pyramid[1].points > pyramid[2].points > pyramid[3].points


def test_the_default_model_file_is_the_packaged_one(model):
    assert load_model(DEFAULT_FILE) == model


def test_only_a_person_estimates_quick_wins_and_waiting_pulls_down(model):
    assert model.signal("quick_win").weight > 0
    assert model.signal("waiting").weight < 0


def test_the_fingerprint_follows_every_change_that_moves_a_score(model):
    assert parse_model(copy.deepcopy(DEFAULT)).fingerprint == model.fingerprint
    changed = copy.deepcopy(DEFAULT)
    changed["bands"][0]["points"] = 250
    assert parse_model(changed).fingerprint != model.fingerprint


def test_the_fingerprint_is_cached_per_model_and_never_stale(model):
    import gc
    import hashlib
    import json

    from scoring import model as model_module

    def fresh(m):  # the definition, computed afresh
        return hashlib.sha256(json.dumps(m.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:16]

    assert model.fingerprint == fresh(model) and model.fingerprint is model.fingerprint  # computed once
    # model_copy copies the instance's __dict__: a cache kept there would follow it and lie
    bumped = model.model_copy(update={"compound_share": 0.5})
    assert bumped.fingerprint == fresh(bumped) != model.fingerprint
    # caching changes nothing a model compares, hashes or dumps
    twin = parse_model(copy.deepcopy(DEFAULT))
    assert twin == model and hash(twin) == hash(model) and twin.fingerprint == model.fingerprint
    # a model that is gone leaves nothing behind (its id may be reused by the next one)
    before = len(model_module._FINGERPRINTS)
    for points in (101, 102, 103):
        data = copy.deepcopy(DEFAULT)
        data["bands"][0]["points"] = points
        m = parse_model(data)
        assert m.fingerprint == fresh(m)
        del m
    gc.collect()
    assert len(model_module._FINGERPRINTS) <= before


def _mutated(change):
    data = copy.deepcopy(DEFAULT)
    change(data)
    return yaml.safe_dump(data, sort_keys=False)


def _del(d, key):
    del d[key]


INVALID = {
    "yaml_syntax": ("bands:\n  - id: broken\n    name: [never closed\n", "line 4", "not valid YAML"),
    "missing_field": (_mutated(lambda d: _del(d["bands"][1], "points")),
                      "bands[1].points (id: nearly_done)", "Field required"),
    "negative_points": (_mutated(lambda d: d["bands"][2].update(points=-5)),
                        "bands[2].points (id: internal_efficiency)", "greater than 0"),
    "unknown_signal_kind": (_mutated(lambda d: d["signals"][0].update(kind="moon_phase")),
                            "signals[0].kind (id: due)", "Input should be 'due', 'age'"),
    "duplicate_id": (_mutated(lambda d: d["bands"][3].update(id="nearly_done")),
                     "bands[3].id (id: nearly_done)", "id 'nearly_done' is already used by bands[1]"),
    "negative_due_weight": (_mutated(lambda d: d["signals"][0].update(weight=-60)),
                            "signals[0].weight (id: due)", "must be >= 0"),
    "unknown_field": (_mutated(lambda d: d["bands"][0].update(pionts=3)),
                      "bands[0].pionts (id: customer_onboarding)", "Extra inputs are not permitted"),
    "not_a_mapping": ("- just\n- a list\n", "", "must be a YAML mapping"),
}


@pytest.fixture(params=sorted(INVALID))
def invalid(request, tmp_path):
    text, field, problem = INVALID[request.param]
    path = tmp_path / f"{request.param}.yml"
    path.write_text(text, "utf-8")
    return path, field, problem


def test_an_invalid_model_file_names_the_file_the_field_and_the_problem(invalid):
    path, field, problem = invalid
    with pytest.raises(ModelFileError) as err:
        load_model(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    assert field in message and problem in message
    assert "Value error," not in message  # pydantic's noise stays out


def test_model_check_exits_2_with_the_problem_on_stderr(invalid, tmp_path, capsys):
    path, field, problem = invalid
    env = {"HEADWORK_CONFIG": str(tmp_path / "absent.yml"), "HEADWORK_DB": str(tmp_path / "h.db")}
    assert main(["model", "check", str(path)], environ=env) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert str(path) in err and field in err and problem in err


def test_model_check_accepts_the_default_model(tmp_path, capsys):
    env = {"HEADWORK_CONFIG": str(tmp_path / "absent.yml"), "HEADWORK_DB": str(tmp_path / "h.db")}
    assert main(["model", "check", str(DEFAULT_FILE)], environ=env) == 0
    assert "OK — 6 bands, 6 signals (12 criteria)" in capsys.readouterr().out


def test_model_check_of_a_missing_file_exits_2(tmp_path, capsys):
    env = {"HEADWORK_CONFIG": str(tmp_path / "absent.yml"), "HEADWORK_DB": str(tmp_path / "h.db")}
    assert main(["model", "check", str(tmp_path / "nope.yml")], environ=env) == 2
    assert "nope.yml: cannot read the file" in capsys.readouterr().err


def test_the_installed_console_script_refuses_an_invalid_model(tmp_path):
    script = Path(sys.executable).parent / "headwork"
    assert script.exists(), "install the package: pip install -e '.[test]'"
    bad = tmp_path / "bad.yml"
    bad.write_text(_mutated(lambda d: d["bands"][2].update(points=-5)), "utf-8")
    run = subprocess.run([str(script), "model", "check", str(bad)], capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "HEADWORK_CONFIG": str(tmp_path / "absent.yml")})
    assert run.returncode == 2
    assert run.stdout == ""
    assert f"{bad}: bands[2].points (id: internal_efficiency): Input should be greater than 0" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_model_file_that_is_not_utf8_is_refused_naming_the_file(tmp_path, capsys):
    latin1 = tmp_path / "latin1.yml"
    text = DEFAULT_FILE.read_text("utf-8").replace("bands:", "# Modèle de valeur\nbands:", 1)
    latin1.write_bytes(text.encode("latin-1", errors="replace"))
    line = text.splitlines().index("# Modèle de valeur") + 1
    config = tmp_path / "headwork.yml"
    config.write_text(f"scoring:\n  value_model: {latin1}\n", "utf-8")
    env = {"HEADWORK_CONFIG": str(config), "HEADWORK_DB": str(tmp_path / "h.db")}
    for argv in (["model", "check", str(latin1)], ["model", "show"]):
        assert main(argv, environ=env) == 2
        out, err = capsys.readouterr()
        assert out == "" and "Traceback" not in err
        assert err.strip() == f"headwork: {latin1}: line {line}: not UTF-8 (byte 0xe8); save the file as UTF-8"


def test_model_check_and_show_give_a_share_exactly(tmp_path, capsys):
    path = tmp_path / "eighth.yml"
    path.write_text(_mutated(lambda d: d.update(compound_share=0.125)), "utf-8")
    config = tmp_path / "headwork.yml"
    config.write_text(f"scoring:\n  value_model: {path}\n", "utf-8")
    env = {"HEADWORK_CONFIG": str(config), "HEADWORK_DB": str(tmp_path / "h.db")}
    assert main(["model", "check", str(path)], environ=env) == 0
    assert capsys.readouterr().out.strip().endswith("compound share 12.5%")
    assert main(["model", "show"], environ=env) == 0
    assert "each further band adds 12.5%):" in capsys.readouterr().out
    assert main(["model", "check", str(DEFAULT_FILE)], environ=env) == 0
    assert capsys.readouterr().out.strip().endswith("compound share 25%")
