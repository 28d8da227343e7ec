"""Settings: one headwork.yml refused with file, field and problem; a missing one means defaults;
secrets never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import ConfigError, load_settings

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1111-very-secret-bot-token",
    "SLACK_APP_TOKEN": "xapp-1-very-secret-app-token",
    "SLACK_SIGNING_SECRET": "0123456789abcdef-signing-secret",
    "ANTHROPIC_API_KEY": "sk-ant-very-secret-key",
}


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"HEADWORK_CONFIG": str(tmp_path / "headwork.yml"), "HEADWORK_DB": str(tmp_path / "headwork.db"),
            **SECRETS}


INVALID = [
    ("org:\n  timezone: Mars/Base\n", "org.timezone", "unknown time zone 'Mars/Base'"),
    ("ai:\n  batch_size: 0\n", "ai.batch_size", "greater than or equal to 1"),
    ("ai:\n  batch_size: lots\n", "ai.batch_size", "valid integer"),
    ("org:\n  teams:\n    - name: Sales\n      manager: bob\n", "org.teams[0].manager",
     "'bob' is not a Slack user id (like U012ABC3DEF"),
    # an email or a name where an id belongs would match nobody: an admin without rights, a digest for no one
    ("org:\n  admins: [U0ADMIN1, hanna@example.com]\n", "org.admins[1]", "'hanna@example.com' is not a Slack user id"),
    ("digest:\n  recipients: ['@priya']\n", "digest.recipients[0]", "'@priya' is not a Slack user id"),
    ("digest:\n  day: funday\n", "digest.day", "Input should be 'monday'"),
    # unquoted, YAML reads 9:00 as 540 (base 60), which pydantic would take as 00:09
    ("digest:\n  time: 9:00\n", "digest.time", 'write the time in quotes, like "10:30"'),
    ("meetings:\n  - {id: cs, name: CS, channel: C0CS, days: [monday], time: 10:30, project: X}\n",
     "meetings[0].time", 'write the time in quotes, like "10:30"'),
    # a fixed offset is no place: a New York team's 10:00 would come at 11:00 all summer
    ("org:\n  timezone: EST\n", "org.timezone", "'EST' is not a place's time zone (use a region/city name"),
    ("scoring:\n  rescore_minutes: 0\n", "scoring.rescore_minutes", "greater than or equal to 1"),
    ("org:\n  timezone: UTC\n  colour: red\n", "org.colour", "Extra inputs are not permitted"),
    ("org: [timezone\n", "line 2", "not valid YAML"),
    ("- org\n- ai\n", "", "must be a YAML mapping"),
]


@pytest.mark.parametrize("text, field, problem", INVALID)
def test_an_invalid_config_is_refused_through_the_cli_with_file_field_and_problem(env, capsys, text, field, problem):
    Path(env["HEADWORK_CONFIG"]).write_text(text, "utf-8")
    assert main(["score"], environ=env) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{env['HEADWORK_CONFIG']}: {field}" in err and problem in err
    assert "Traceback" not in err
    assert not Path(env["HEADWORK_DB"]).exists()  # refused before anything was touched


def test_every_problem_in_a_file_is_listed_at_once(env):
    Path(env["HEADWORK_CONFIG"]).write_text("org:\n  timezone: Mars/Base\nai:\n  batch_size: 0\n", "utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(env)
    assert "org.timezone" in str(err.value) and "ai.batch_size" in str(err.value)


def test_a_missing_file_means_defaults(env, capsys):
    settings = load_settings(env)
    assert settings.config_found is False
    assert settings.org.timezone == "UTC"
    assert settings.config.ai.batch_size == 40
    assert settings.config.scoring.rescore_minutes == 60
    assert main(["score"], environ=env) == 0
    assert "Rescored 0 tasks" in capsys.readouterr().out


def test_a_zone_in_any_case_and_a_section_of_comments_only_are_read(env):
    Path(env["HEADWORK_CONFIG"]).write_text(
        "org:\n  timezone: europe/berlin\nscoring:\n  # value_model: my_model.yml\nmeetings:\n", "utf-8")
    settings = load_settings(env)
    assert settings.org.timezone == "Europe/Berlin"
    assert settings.config.scoring.rescore_minutes == 60 and settings.config.meetings == []


def test_a_valid_file_is_read(env):
    Path(env["HEADWORK_CONFIG"]).write_text(
        "org:\n  timezone: Europe/Berlin\n  admins: [U0ADMIN1]\nai:\n  batch_size: 25\n", "utf-8")
    settings = load_settings(env)
    assert settings.config_found and settings.org.timezone == "Europe/Berlin"
    assert settings.is_admin("U0ADMIN1") and not settings.is_admin("U0OTHER1")
    assert settings.config.ai.batch_size == 25


def test_a_relative_value_model_path_is_relative_to_the_config_file(env, tmp_path, capsys):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "bad.yml").write_text("bands: []\n", "utf-8")
    Path(env["HEADWORK_CONFIG"]).write_text("scoring:\n  value_model: models/bad.yml\n", "utf-8")
    assert main(["model", "show"], environ=env) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'models' / 'bad.yml'}: bands" in err and "at least 1 item" in err


def test_secrets_never_appear_in_the_settings_repr(env):
    settings = load_settings(env)
    shown = repr(settings) + str(settings) + repr(settings.env) + settings.model_dump_json()
    for secret in SECRETS.values():
        assert secret not in shown
    assert settings.env.slack_bot_token.get_secret_value() == SECRETS["SLACK_BOT_TOKEN"]


def test_secrets_never_appear_in_a_config_error(env, capsys):
    Path(env["HEADWORK_CONFIG"]).write_text("ai:\n  batch_size: 0\n", "utf-8")
    assert main(["score"], environ=env) == 2
    out, err = capsys.readouterr()
    for secret in SECRETS.values():
        assert secret not in out + err


def test_settings_never_read_the_process_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HEADWORK_DB", "/somewhere/else.db")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-process")
    settings = load_settings({"HEADWORK_CONFIG": str(tmp_path / "absent.yml")})
    assert settings.env.headwork_db == Path("headwork.db")
    assert settings.env.slack_bot_token is None
