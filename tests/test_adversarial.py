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

import itertools
import re
import string
import time

import pytest

from bot import guard
from bot.detector import detect

SHORT, LONG = 1_000, 10_000
BOUND = 15  # 10 times the text may cost at most 15 times the work (quadratic work: about 100 times)

DISCLOSURE = {"route": "redirect_private", "disclosure": True, "complaint": True, "detections": []}


def repeated(unit, n: int) -> str:
    if callable(unit):
        return unit(n)
    return (unit * (n // len(unit) + 1))[:n]


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


def guard_check(text: str) -> None:  # POST /api/check with a draft reply and no comment
    guard.check(text)


def guard_with_comment(text: str) -> None:  # a reply checked against a comment that is the same text
    guard.check(text, comment=text, comment_triage=DISCLOSURE)


def distinct_names(n: int) -> str:
    """Capitalised words that are all different ("Zaab Zaac Zaad ..."): one look-up per name used to scan the
    whole reply once per name."""
    words = ("Z" + "".join(t) for t in itertools.product(string.ascii_lowercase, repeat=3))
    return " ".join(itertools.islice(words, n // 5 + 1))[:n]


# (family, unit or text generator, function, text appended once at the end). Every family here took at least
# 15 times the work for 10 times the text before issue 10 (most 40 to 470 times).
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
