"""Adversarial inputs cost work in proportion to their length (issue 10, "Hardening").

Each family is a short unit repeated to 1,000 and to 10,000 characters and run through the detector
or the policy guard, as a message or a draft reply would be. Linear work grows about 10 times for 10
times the text; the patterns this guards against grew about 100 times (13.9 s for 10,000 newlines and
an "İ"). The measure is the CPU time of this thread (not wall-clock time: waiting for another process
does not count), the best of several runs; a ratio above the bound is measured again before it fails,
so a busy machine cannot fail it but a quadratic pattern always does (test_the_measure_sees_quadratic_work).
Timings themselves live in bench/adversarial.py; only the growth is asserted here.
"""
from __future__ import annotations

import re
import time

import pytest

from bench.adversarial import FAMILIES, LONG, SHORT, repeated  # one list of families for the bench and the tests
from bot import guard
from bot.detector import detect

BOUND = 15  # 10 times the text may cost at most 15 times the work (quadratic work: about 100 times)


def cpu(fn, text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.thread_time()
        fn(text)
        best = min(best, time.thread_time() - t0)
    return best


def growth(fn, unit: str, *, tail: str = "", tries: int = 3) -> float:
    """Work at LONG characters over work at SHORT characters (the lowest of ``tries`` measurements)."""
    fn(repeated(unit, SHORT) + tail)  # warm caches (compiled patterns, the profanity index)
    ratio = float("inf")
    for _ in range(tries):
        short = cpu(fn, repeated(unit, SHORT - len(tail)) + tail, runs=5)
        long = cpu(fn, repeated(unit, LONG - len(tail)) + tail)
        ratio = min(ratio, long / max(short, 1e-6))
        if ratio <= BOUND:
            break
    return ratio


@pytest.mark.parametrize("family,unit,fn,tail", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_work_grows_linearly(family, unit, fn, tail):
    ratio = growth(fn, unit, tail=tail)
    assert ratio <= BOUND, f"{family}: 10x the text cost {ratio:.0f}x the work"


def test_the_measure_sees_quadratic_work():
    # An unanchored run before "@" (the old e-mail pattern) starts at every character and reads to the end.
    quadratic = re.compile(r"[a-z0-9._%+'-]+@")
    ratio = growth(lambda text: quadratic.search(text), "a")
    assert ratio > 3 * BOUND


def test_adversarial_texts_still_give_the_right_answers():
    # Linear, and still right: the e-mail after a long run is found, the insult after blank lines too.
    text = repeated("1-", 9_000) + "@example.com"
    assert any(d.type == "email" and d.end == len(text) for d in detect(text))
    reply = repeated("\n", 9_990) + "get lost"
    assert any(v.rule == "offensive" and v.evidence == "get lost" for v in guard.check(reply).violations)
    text = repeated("a.", 9_000) + " at gmail dot com"
    [found] = [d for d in detect(text) if d.type == "email"]
    assert (found.start, found.end) == (0, len(text))
