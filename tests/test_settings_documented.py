"""Every setting appears in the README under its environment variable name."""

from pathlib import Path

from newskg.core.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme():
    missing = [name for name in Settings.model_fields if f"NEWSKG_{name.upper()}" not in README]
    assert missing == []


def test_the_readme_has_the_two_set_up_commands_and_ci_runs_the_second():
    assert "make serve" in README and "make test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "make test" in ci
