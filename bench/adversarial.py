"""Adversarial inputs and the triage fast path (issue 10, "Hardening").

    uv run python bench/adversarial.py [--runs 5] [--no-triage] [--json]

1. Every adversarial family (a short unit repeated, the inputs that once made a pattern quadratic) through
   the detector or the guard at 1,000 and 10,000 characters: median milliseconds and the ratio. Linear work
   gives about 10; tests/test_adversarial.py asserts at most 15 (without timing anything).
2. The triage fast path against its own baseline in the same run: the guard on library replies with and
   without the reply-only work done once per reply version (guard.prepare), and in-process triage with and
   without both speed-ups (that, and the classifier's coefficients stored column-major).
HTTP against the bare Sanic floor: bench/run.py --http --floor --length 50.
"""
from __future__ import annotations

import argparse
import itertools
import json
import statistics
import string
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import guard  # noqa: E402
from bot.detector import detect  # noqa: E402

SHORT, LONG = 1_000, 10_000
DISCLOSURE = {"route": "redirect_private", "disclosure": True, "complaint": True, "detections": []}


def repeated(unit, n: int) -> str:
    """``unit`` repeated to ``n`` characters (or, when ``unit`` is a function, its text of ``n`` characters)."""
    if callable(unit):
        return unit(n)
    return (unit * (n // len(unit) + 1))[:n]


def distinct_names(n: int) -> str:
    """Capitalised words that are all different ("Zaab Zaac Zaad ..."): one look-up per name used to scan the
    whole reply once per name."""
    words = ("Z" + "".join(t) for t in itertools.product(string.ascii_lowercase, repeat=3))
    return " ".join(itertools.islice(words, n // 5 + 1))[:n]


def guard_check(text: str) -> None:  # POST /api/check with a draft reply and no comment
    guard.check(text)


def guard_with_comment(text: str) -> None:  # a reply checked against a comment that is the same text
    guard.check(text, comment=text, comment_triage=DISCLOSURE)


# (family, unit or text generator, function, text appended once at the end). Every family here took at least
# 15 times the work for 10 times the text before issue 10 (docs/PERFORMANCE.md has the figures).
FAMILIES = [
    # quoted in the issue
    ("newline runs and an 'İ' (guard)", "\n", guard_check, "\u0130"),
    ("repeated obfuscated profanity (guard)", "sh1t f*** ", guard_check, ""),
    ("a long run of digits (guard, e-mail look-up)", "1", guard_with_comment, ""),
    ("a long run of letters (guard, e-mail look-up)", "a", guard_with_comment, ""),
    ("dotted token and a mail-provider word (detector)", "a.", detect, " live"),
    ("'sorry for everything' repeated (detector)", "sorry for everything ", detect, ""),
    ("'my son has autism.' repeated (detector)", "my son has autism. ", detect, ""),
    # found on the way
    ("blank lines before 'get lost' (guard)", "\n \n", guard_check, "get lost"),
    ("a long local part and a stray '@' (detector)", "1-", detect, " @"),
    ("a dotted run before ' at gmail' (detector)", "a.", detect, " at gmail"),
    ("a named child per line (detector, title-case test)", "Zara's EHCP\n", detect, ""),
    ("many findings of one kind (detector, merge)", "my ex ", detect, ""),
    ("many overlapping risk findings (detector, merge)", "hit him ", detect, ""),
    ("a reference per sentence (detector, sentence look-up)", "my son. ", detect, " autism"),
    ("pronoun case details in one sentence (detector)", "he has autism, ", detect, ""),
    ("hyphenated name-like run (guard, partiality)", "a-", guard_check, ""),
    ("capitals and apostrophes (guard, shouting)", "A'", guard_check, ""),
    ("promises in one long sentence (guard, negation look-behind)", "we'll make sure it is done and make sure ",
     guard_check, ""),
    ("verdicts in one long sentence (guard, negation look-behind)", "the council is not useless and ",
     guard_check, ""),
    ("distinct capitalised names in a disclosure (guard, echoed names)", distinct_names, guard_with_comment, ""),
]


def text_of(unit, tail: str, n: int) -> str:
    return repeated(unit, n - len(tail)) + tail


def median_ms(fn, arg, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(arg)
        samples.append(time.perf_counter() - t0)
    return 1000 * statistics.median(samples)


def families(runs: int) -> list[dict]:
    out = []
    for name, unit, fn, tail in FAMILIES:
        fn(text_of(unit, tail, SHORT))  # warm up
        short = median_ms(fn, text_of(unit, tail, SHORT), runs)
        long = median_ms(fn, text_of(unit, tail, LONG), runs)
        out.append({"family": name, "short_ms": short, "long_ms": long, "ratio": long / short})
    return out


# ------------------------------------------------------------------ the triage fast path, before and after
@contextmanager
def baseline(service):
    """The triage as it was before issue 10, for a comparison in the same run: the guard redoes the reply-only
    work of every rule per message, and the classifier's coefficients are row-major (copied per message)."""
    import numpy as np

    from bot import triage
    from bot.nlu import TfidfIntentClassifier

    models = [node._component.pipeline.steps[-1][1]
              for node in service.agent.processor.graph_runner._instantiated_nodes.values()
              if isinstance(getattr(node, "_component", None), TfidfIntentClassifier)]
    prepared = triage._prepared
    triage._prepared = lambda *key: None  # guard.check(prepared=None): the whole check
    for m in models:
        m.coef_ = np.ascontiguousarray(m.coef_)
    try:
        yield
    finally:
        triage._prepared = prepared
        for m in models:
            m.coef_ = np.asfortranarray(m.coef_)


def triage_comparison(runs: int) -> dict:
    from bot.replies import all_replies
    from bot.triage import TriageService

    texts = [json.loads(line)["text"] for line in (ROOT / "tests" / "data" / "validation_messages.jsonl")
             .read_text().splitlines() if line.strip()]
    short = [t[:50] for t in texts]
    service = TriageService.load()
    library = [r.text for r in all_replies()]
    comments = [(t, service.run(service.triage(t)).comment_triage()) for t in texts[:40]]
    pairs = [(r, c, tr) for r in library for c, tr in comments]

    def guard_ms(prepared: bool) -> float:
        ready = {r: guard.prepare(r) for r in library} if prepared else {}
        samples = []
        for _ in range(runs):
            for r, c, tr in pairs:
                t0 = time.perf_counter()
                guard.check(r, c, tr, rewrite=False, prepared=ready.get(r))
                samples.append(time.perf_counter() - t0)
        return 1000 * statistics.median(samples)

    def triage_ms(items: list[str]) -> float:
        samples = []
        for _ in range(runs):
            for t in items:
                t0 = time.perf_counter()
                service.run(service.triage(t))
                samples.append(time.perf_counter() - t0)
        return 1000 * statistics.median(samples)

    service.run(service.triage(texts[0]))
    out = {"guard_pairs": len(pairs), "messages": len(texts)}
    out["guard_before_ms"], out["guard_after_ms"] = guard_ms(False), guard_ms(True)
    with baseline(service):
        out["triage_before_ms"], out["triage50_before_ms"] = triage_ms(texts), triage_ms(short)
    out["triage_after_ms"], out["triage50_after_ms"] = triage_ms(texts), triage_ms(short)
    # and the same answers either way
    with baseline(service):
        before = [service.run(service.triage(t)).to_dict() for t in texts]
    out["same_answers"] = before == [service.run(service.triage(t)).to_dict() for t in texts]
    return out


def report(r: dict) -> str:
    lines = [f"Measured {r['date']} on {r['machine']}; medians of {r['runs']} runs.", "",
             "| family | 1,000 chars (ms) | 10,000 chars (ms) | ratio |", "|---|---|---|---|"]
    lines += [f"| {f['family']} | {f['short_ms']:.1f} | {f['long_ms']:.1f} | {f['ratio']:.1f} |" for f in r["families"]]
    t = r.get("triage")
    if t:
        lines += ["", "| in-process, same run | before (baseline) | after | ratio |", "|---|---|---|---|",
                  f"| guard on a library reply, per message ({t['guard_pairs']} reply x message pairs), median ms | "
                  f"{t['guard_before_ms']:.2f} | {t['guard_after_ms']:.2f} | "
                  f"{t['guard_before_ms'] / t['guard_after_ms']:.1f}x faster |",
                  f"| triage, {t['messages']} validation messages, median ms | {t['triage_before_ms']:.2f} | "
                  f"{t['triage_after_ms']:.2f} | {t['triage_before_ms'] / t['triage_after_ms']:.2f}x faster |",
                  f"| triage, the same cut to 50 characters, median ms | {t['triage50_before_ms']:.2f} | "
                  f"{t['triage50_after_ms']:.2f} | {t['triage50_before_ms'] / t['triage50_after_ms']:.2f}x faster |",
                  f"| same routes, flags and replies before and after | {'yes' if t['same_answers'] else 'NO'} | | |"]
    return "\n".join(lines)


def main() -> None:
    import warnings
    from datetime import date

    from bench.run import machine

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-triage", action="store_true", help="only the adversarial families (no model needed)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    r = {"date": date.today().isoformat(), "machine": machine(), "runs": args.runs, "families": families(args.runs)}
    if not args.no_triage:
        r["triage"] = triage_comparison(args.runs)
    print(json.dumps(r, indent=2) if args.json else report(r))


if __name__ == "__main__":
    main()
