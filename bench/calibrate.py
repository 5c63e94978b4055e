"""Choose the route thresholds of bot/triage.py on our own validation set.

    uv run python bench/calibrate.py [tests/data/validation_messages.jsonl]

Parses every message once, then tries a grid of thresholds and prints the best settings by route
macro-F1 among those that keep safeguarding recall at its maximum. Never point it at the shared dev
set: that set measures the product, it does not tune it.
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import triage  # noqa: E402
from bot.evaluate import read_jsonl, score_messages  # noqa: E402

GRID = {
    "SAFEGUARDING_MIN": [0.2, 0.25, 0.3, 0.35, 0.4, 0.5],
    "SHARE_PERSONAL_MIN": [0.3, 0.4, 0.5, 0.6],
    "DECISION_MIN": [0.15, 0.2, 0.25, 0.3, 0.35, 0.4],
    "COMPLAINT_FLAG_MIN": [0.15, 0.25, 0.35],
}


def main(path: str = "tests/data/validation_messages.jsonl") -> None:
    items = read_jsonl(Path(path))
    service = triage.TriageService.load()
    parses = [service.run(service.parse(i["text"])) for i in items]
    results = []
    for values in itertools.product(*GRID.values()):
        settings = dict(zip(GRID, values))
        with mock.patch.multiple(triage, **settings):
            outputs = [triage.decide(i["text"], p, i.get("channel", "public_comment")).to_dict(i["id"])
                       for i, p in zip(items, parses)]
        m = score_messages(items, outputs, [0.0])
        results.append((m["safeguarding_recall"], m["route_macro_f1"], m["disclosure"]["f1"],
                        m["complaint"]["f1"], settings))
    results.sort(key=lambda r: (r[0], r[1], r[2] + r[3]), reverse=True)
    print("current: " + ", ".join(f"{k}={getattr(triage, k)}" for k in GRID))
    for sg, f1, d, c, settings in results[:10]:
        print(f"safeguarding recall {sg:.3f}  macro-F1 {f1:.3f}  disclosure F1 {d:.3f}  complaint F1 {c:.3f}  {settings}")


if __name__ == "__main__":
    main(*sys.argv[1:])
