"""Rasa's own checks on the project: the data validates and the test stories pass."""
import subprocess
import sys

from bot.training import RASA_DATA
from tests.conftest import ROOT


def rasa(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "rasa", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={"PYTHONPATH": str(ROOT), **__import__("os").environ,
                                                "RASA_TELEMETRY_ENABLED": "false"})


def test_rasa_data_validate_is_clean():
    run = rasa("data", "validate", "--domain", "domain.yml", "--data", *map(str, RASA_DATA), "--config", "config.yml")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def test_story_tests_for_every_route_pass(model_path, tmp_path):
    run = rasa("test", "core", "--model", str(model_path), "--stories", "tests/test_stories.yml",
               "--out", str(tmp_path), "--fail-on-prediction-errors")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = (tmp_path / "story_report.json")
    assert report.exists()
    failed = tmp_path / "failed_test_stories.yml"
    assert not failed.exists() or "stories:" not in failed.read_text() or "story:" not in failed.read_text()
