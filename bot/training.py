"""Training the Rasa model: only when no model matches the data, output to a log file."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from bot.profile import ROOT, var_dir

MODELS = ROOT / "models"
# Rasa's training data. Other YAML under data/ (e.g. the practice scenario bank) is not Rasa's.
RASA_DATA = (ROOT / "data" / "nlu", ROOT / "data" / "rules.yml")


def rasa_data_files() -> list[Path]:
    return sorted(f for d in RASA_DATA for f in ([d] if d.is_file() else d.rglob("*.yml")))


def fingerprint(config: Path = ROOT / "config.yml") -> str:
    """A hash of everything a model is trained from: config, domain and training data.

    Rasa 3 always writes a new model (it only caches inside training), so the product decides
    itself whether the newest model still matches the data.
    """
    import hashlib

    import rasa

    digest = hashlib.sha256(rasa.__version__.encode())
    for path in [Path(config), ROOT / "domain.yml", *rasa_data_files()]:
        digest.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def current_model(models_dir: Path = MODELS) -> Path | None:
    """The trained model that matches the data now, if there is one."""
    path = Path(models_dir) / f"sendiass-{fingerprint()}.tar.gz"
    return path if path.exists() else None


def train(
    out_dir: Path = MODELS,
    config: Path = ROOT / "config.yml",
    log_file: Path | None = None,
    force: bool = False,
    fixed_name: str | None = None,
    progress=None,
) -> Path:
    """The model for the current data: `models/sendiass-<fingerprint>.tar.gz`, trained when missing.

    Rasa's thousands of progress-bar updates go to `log_file`; `progress(fraction, label)` gets a
    summary of them, so people see a progress bar and CI logs stay small.
    """
    out_dir = Path(out_dir)
    fixed_name = fixed_name or f"sendiass-{fingerprint(config)}"
    target = out_dir / f"{fixed_name}.tar.gz"
    if target.exists() and not force:
        if progress:
            progress(1.0, "the model matches the data")
        return target
    log_file = Path(log_file or var_dir() / "logs" / "train.log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "rasa", "train",
        "--domain", str(ROOT / "domain.yml"), "--config", str(config),
        "--data", *map(str, RASA_DATA), "--out", str(out_dir),
    ]
    cmd += ["--fixed-model-name", fixed_name]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    started = time.time()
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        while proc.poll() is None:
            time.sleep(0.5)
            if progress:
                progress(*_progress_from_log(log_file))
    if proc.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-15:]
        raise RuntimeError(f"rasa train failed (exit {proc.returncode}); see {log_file}:\n" + "\n".join(tail))
    if not target.exists():
        raise RuntimeError(f"rasa train produced no model; see {log_file}")
    if progress:
        progress(1.0, f"model ready in {time.time() - started:.0f} s: {target.name}")
    return target


_STAGE = re.compile(rb"Starting to train component '(\w+)'")


def _progress_from_log(log_file: Path) -> tuple[float, str]:
    """Rough progress from Rasa's log: which of the graph's components it is training."""
    try:
        stages = _STAGE.findall(Path(log_file).read_bytes())
    except OSError:
        return 0.0, "starting"
    if stages:
        return 0.1 + 0.8 * min(len(stages), 10) / 10, f"training {stages[-1].decode()}"
    return 0.02, "preparing"
