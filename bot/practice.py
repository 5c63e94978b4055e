"""Training mode for new volunteers: practise replies to realistic comments and get policy feedback (issue 6).

One engine, three places to practise:

- Telegram: ``/practice`` in a private chat with the bot, for accounts the coordinator enrolled
  (``sendiass practice enrol TELEGRAM_USER_ID NAME``). While a session is active in that chat the
  volunteer's messages are practice answers, never messages to the service; ``/skip`` answers "no reply",
  ``/stop`` ends it. Registered by ``add_telegram_handlers`` (called from bot/telegram.py's
  ``register_handlers``) in a handler group that runs before the service's own handlers.
- The web page ``/practice`` for anyone signed in to the review page (bot/auth.py's sessions and CSRF
  token), with a coordinator's summary for approvers; registered by ``add_practice_routes(app)``.
- ``sendiass practice`` in a terminal (reads replies from standard input, one a line; works piped), and
  ``sendiass practice enrol|unenrol|list|report`` (``add_cli``).

A scenario (data/practice/scenarios.yml, or SENDIASS_PRACTICE_SCENARIOS) is shown; the volunteer's reply is
scored by the policy guard (``bot.guard.check``: every violation with its rule, evidence, message and policy
clause) and against the scenario's required points (``POINTS``, each checked by code below); the approved
model answer (``bot.replies``) is shown after the attempt. The next scenario adapts: among the scenarios not
yet seen in this round, the one that exercises the rules and points the volunteer failed most in their last
``WEAKNESS_WINDOW`` attempts, then the easiest; none repeats until every scenario has been seen.

Progress lives in the product store (tables on ``bot.store.metadata``): volunteers, sessions, attempts and a
row per rule and per point of each attempt. A volunteer is *ready* when, in every route, the share of the
route's scenarios whose latest attempt passed reaches ``ready_share()`` (SENDIASS_PRACTICE_READY_SHARE,
default 0.8).
"""
from __future__ import annotations

import asyncio
import csv
import functools
import json
import logging
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import sqlalchemy as sa
import yaml

from bot.profile import ROOT, load_profile
from bot.store import Store, metadata, now

logger = logging.getLogger(__name__)

ROUTES = ("safeguarding", "redirect_private", "complaint", "abuse", "handoff", "answer", "acknowledge")
CHANNELS = ("public_comment", "direct_message")
CHANNEL_TITLES = {"public_comment": "Public comment", "direct_message": "Direct message"}
ROUTE_TITLES = {"safeguarding": "Safeguarding", "redirect_private": "Personal details: redirect to private",
                "complaint": "Complaint", "abuse": "Abuse: moderation", "handoff": "Out of scope: a person decides",
                "answer": "General question", "acknowledge": "Thanks or greeting"}
SOURCES = ("telegram", "web", "cli")

# The fixed vocabulary of required points. Each is checked by code (``_POINT_CHECKS``).
POINTS = ("redirect", "disclaimer", "feedback_procedure", "no_promise", "impartial", "signpost_emergency",
          "no_reply", "general_info", "thanks")
# Points that ask a reply to avoid something: an empty reply neither meets nor fails them.
AVOIDANCE_POINTS = frozenset({"no_promise", "impartial"})
POINT_LABELS = {
    "redirect": "gives the phone number or e-mail to talk privately",
    "disclaimer": "says the page is public / not confidential",
    "feedback_procedure": "points to the feedback and complaints procedure",
    "no_promise": "makes no promises",
    "impartial": "stays impartial",
    "signpost_emergency": "signposts 999 for immediate danger",
    "no_reply": "no reply when none is due",
    "general_info": "gives general information on the topic",
    "thanks": "thanks them",
}
RULE_LABELS = {
    "personal_data": "personal data", "promise": "promises", "partiality": "taking sides",
    "offensive": "offensive or rude", "missing_redirect": "no redirect to a private channel",
    "complaint_not_routed": "criticism not answered or routed", "out_of_expertise": "outside our expertise",
}

DIFFICULTIES = (1, 2, 3)
WEAKNESS_WINDOW = 20  # the latest attempts whose failures steer the choice of the next scenario
DEFAULT_READY_SHARE = 0.8
SKIP_WORDS = frozenset({"", "/skip", "skip", "(no reply)", "no reply"})
MAX_ANSWER = 10_000


class PracticeError(ValueError):
    """A refused practice action; the message is shown to the person. ``status`` for HTTP."""

    status = 400


class NoSession(PracticeError):
    status = 404


class Conflict(PracticeError):
    status = 409


def ready_share() -> float:
    """SENDIASS_PRACTICE_READY_SHARE: the share of a route's scenarios to pass, in every route, to be ready."""
    raw = os.environ.get("SENDIASS_PRACTICE_READY_SHARE", "").strip()
    if not raw:
        return DEFAULT_READY_SHARE
    try:
        share = float(raw)
    except ValueError:
        raise SystemExit(f"SENDIASS_PRACTICE_READY_SHARE must be a share between 0 and 1 (e.g. 0.8), not {raw!r}")
    if not 0 < share <= 1:
        raise SystemExit(f"SENDIASS_PRACTICE_READY_SHARE must be more than 0 and at most 1, not {raw!r}")
    return share


# --------------------------------------------------------------------------------------------------
# The scenario bank
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    id: str
    route: str
    channel: str
    difficulty: int
    comment: str
    points: tuple[str, ...]
    exercises: tuple[str, ...]
    model_reply: str | None
    keywords: tuple[str, ...] = ()
    tip: str = ""
    disclosure: bool = False
    complaint: bool = False

    def comment_triage(self) -> dict:
        """The comment as the policy guard sees it: the scenario's route and flags, the detector's spans.

        As for library replies (bot.triage.draft_reply), safeguarding signposting is never held back for
        want of the complaints procedure."""
        return _comment_triage(self.comment, self.route, self.disclosure,
                               self.complaint and self.route != "safeguarding")

    def public(self) -> dict:
        """What a volunteer sees before answering: not the route, not the points."""
        return {"id": self.id, "channel": self.channel, "channel_title": CHANNEL_TITLES[self.channel],
                "difficulty": self.difficulty, "comment": self.comment}

    def to_dict(self) -> dict:
        return {**self.public(), "route": self.route, "route_title": ROUTE_TITLES[self.route],
                "points": list(self.points), "exercises": list(self.exercises), "keywords": list(self.keywords),
                "model_reply": self.model_reply, "tip": self.tip}


@lru_cache(maxsize=64)
def _comment_triage(comment: str, route: str, disclosure: bool, complaint: bool) -> dict:
    from bot.detector import detect

    detections = [{"type": d.type, "category": d.category, "start": d.start, "end": d.end} for d in detect(comment)]
    return {"route": route, "disclosure": disclosure, "complaint": complaint, "detections": detections}


class ScenarioError(ValueError):
    """The scenario bank is wrong; the message says where."""


def bank_path() -> Path:
    return Path(os.environ.get("SENDIASS_PRACTICE_SCENARIOS", ROOT / "data" / "practice" / "scenarios.yml"))


@dataclass(frozen=True)
class Bank:
    path: str
    scenarios: tuple[Scenario, ...]

    def __post_init__(self):
        object.__setattr__(self, "_by_id", {s.id: s for s in self.scenarios})
        object.__setattr__(self, "_index", {s.id: i for i, s in enumerate(self.scenarios)})

    def get(self, scenario_id: str | None) -> Scenario | None:
        return self._by_id.get(scenario_id)

    def index(self, scenario_id: str) -> int:
        return self._index[scenario_id]

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def in_route(self, route: str) -> list[Scenario]:
        return [s for s in self.scenarios if s.route == route]

    def __len__(self) -> int:
        return len(self.scenarios)


def load_bank(path: str | Path | None = None) -> Bank:
    """The scenario bank, checked: a mistake in it stops whoever loads it, naming the scenario."""
    return _load_bank(str(path or bank_path()))


@lru_cache(maxsize=4)
def _load_bank(path: str) -> Bank:
    from bot import guard
    from bot.replies import all_replies

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"the practice scenario bank is missing: {path}")
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML ({exc})")
    items = (raw or {}).get("scenarios") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{path}: no 'scenarios' list")
    library = {r.id: r for r in all_replies()}
    known = {"id", "route", "channel", "difficulty", "comment", "points", "exercises", "model_reply", "keywords",
             "tip", "disclosure", "complaint"}
    scenarios, seen = [], set()
    for n, item in enumerate(items, 1):
        where = f"{path}: scenario {n}"
        if not isinstance(item, dict):
            raise ScenarioError(f"{where} is not a mapping")
        sid = item.get("id")
        if not isinstance(sid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,79}", sid):
            raise ScenarioError(f"{where}: 'id' must be 3-80 lower-case letters, digits and dashes")
        where = f"{path}: scenario {sid}"
        if sid in seen:
            raise ScenarioError(f"{where}: the id is used twice")
        seen.add(sid)
        unknown = set(item) - known
        if unknown:
            raise ScenarioError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        route, channel, difficulty = item.get("route"), item.get("channel"), item.get("difficulty")
        if route not in ROUTES:
            raise ScenarioError(f"{where}: 'route' must be one of {', '.join(ROUTES)}")
        if channel not in CHANNELS:
            raise ScenarioError(f"{where}: 'channel' must be one of {', '.join(CHANNELS)}")
        if difficulty not in DIFFICULTIES:
            raise ScenarioError(f"{where}: 'difficulty' must be 1, 2 or 3")
        comment = item.get("comment")
        if not isinstance(comment, str) or not comment.strip():
            raise ScenarioError(f"{where}: 'comment' is missing")
        points = item.get("points")
        if not isinstance(points, list) or not points or any(p not in POINTS for p in points) \
                or len(set(points)) != len(points):
            raise ScenarioError(f"{where}: 'points' must be a list of distinct points from: {', '.join(POINTS)}")
        if "no_reply" in points and len(points) != 1:
            raise ScenarioError(f"{where}: 'no_reply' is the only point of a scenario that gets no reply")
        keywords = item.get("keywords") or []
        if ("general_info" in points) != bool(keywords):
            raise ScenarioError(f"{where}: 'keywords' go with the point general_info, and general_info needs them")
        if not all(isinstance(k, str) and k.strip() for k in keywords):
            raise ScenarioError(f"{where}: 'keywords' must be words or phrases")
        exercises = item.get("exercises") or []
        if not isinstance(exercises, list) or any(r not in guard.RULES for r in exercises):
            raise ScenarioError(f"{where}: 'exercises' must be guard rules: {', '.join(guard.RULES)}")
        model = item.get("model_reply")
        if "no_reply" in points:
            if model is not None:
                raise ScenarioError(f"{where}: a no_reply scenario has no model reply (model_reply: null)")
        else:
            reply = library.get(model)
            if reply is None:
                raise ScenarioError(f"{where}: model_reply {model!r} is not in the approved library")
            if reply.channel not in (channel, "any"):
                raise ScenarioError(f"{where}: model_reply {model!r} is written for {reply.channel}, not {channel}")
        for flag in ("disclosure", "complaint"):
            if flag in item and not isinstance(item[flag], bool):
                raise ScenarioError(f"{where}: '{flag}' must be true or false")
        scenarios.append(Scenario(
            id=sid, route=route, channel=channel, difficulty=difficulty, comment=" ".join(comment.split()),
            points=tuple(points), exercises=tuple(exercises), model_reply=model,
            keywords=tuple(" ".join(k.split()) for k in keywords), tip=" ".join(str(item.get("tip") or "").split()),
            disclosure=item.get("disclosure", route in ("redirect_private", "safeguarding")),
            complaint=item.get("complaint", route == "complaint"),
        ))
    return Bank(path=path, scenarios=tuple(scenarios))


def model_answer(scenario: Scenario) -> str | None:
    """The approved library reply for a scenario, rendered with service.yml; None: post nothing."""
    from bot.replies import all_replies

    if scenario.model_reply is None:
        return None
    for reply in all_replies():
        if reply.id == scenario.model_reply:
            return reply.text
    raise ScenarioError(f"model_reply {scenario.model_reply!r} is not in the approved library")


# --------------------------------------------------------------------------------------------------
# Scoring: the guard, and the required points
# --------------------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())


@lru_cache(maxsize=4)
def _profile_patterns(profile_key: str | None) -> dict[str, re.Pattern]:
    """Patterns built from service.yml: the service's phone / e-mail, the complaints route, 999."""
    p = load_profile()
    digits = re.sub(r"\D", "", p.phone)
    national = digits[1:] if digits.startswith("0") else digits
    sep = r"[\s\-.()]*"
    phone = (r"(?<!\d)(?:(?:\+|00)\s*44" + sep + r"(?:\(0\))?" + sep + r"|0" + sep + r")"
             + sep.join(re.escape(c) for c in national) + r"(?!\d)")
    url_core = re.sub(r"^https?://(?:www\.)?", "", p.feedback_url).rstrip("/")
    feedback = (r"\bfeedback\s*(?:and|&|/|or)\s*complaints?\b"
                r"|\b(?:complaints?|feedback)\s+(?:procedure|process|policy|form|page|system)\b"
                r"|\b(?:make|raise|submit|lodge|file|log|put in)\s+an?\s+(?:formal\s+)?complaint\b"
                r"|\bformal complaint\b|" + re.escape(url_core) + r"|" + re.escape(_norm(p.feedback_procedure)))
    emergency = re.sub(r"\D", "", p.signposting["emergency"]["phone"])
    return {
        "redirect": re.compile(phone + r"|" + re.escape(p.email), re.IGNORECASE),
        "feedback_procedure": re.compile(feedback, re.IGNORECASE),
        "signpost_emergency": re.compile(r"(?<!\d)" + re.escape(emergency) + r"(?!\d)"),
    }


def _patterns() -> dict[str, re.Pattern]:
    return _profile_patterns(os.environ.get("SENDIASS_PROFILE"))


_DISCLAIMER = re.compile(
    r"\bnot\s+(?:a\s+|an\s+|the\s+)?(?:confidential|private|secure)\b"
    r"|\b(?:isn't|isnt|aren't|arent|is not|are not|never)\s+(?:a\s+|an\s+)?(?:\w+\s+)?(?:confidential|private)\b"
    r"|\bnothing\b[^.!?]{0,60}\bconfidential\b"
    r"|\b(?:page|post|posts|comment|comments|thread|site|platform|forum|wall|feed|this|it|facebook|twitter|"
    r"social media)\s+(?:is|are)\s+(?:a\s+|completely\s+|very\s+|all\s+)?public\b"
    r"|\bpublic\s+(?:page|place|forum|platform|space|post|comment|thread|site|setting|channel)\b"
    r"|\b(?:anyone|everyone|everybody|anybody)\s+(?:can|could|will be able to)\s+(?:see|read)\b"
    r"|\bin public\b|\bpublicly\b", re.IGNORECASE)
_THANKS = re.compile(r"\bthank(?:s|\s*you|ing you)?\b|\bcheers\b|\bgrateful\b|\bappreciat(?:e|ed|ion)\b", re.IGNORECASE)
# Promises the guard's promise rule does not see, and a trainer must: secrecy ("I won't tell anyone") and a
# bare "I promise" after a negation ("I won't tell anyone, I promise").
_SECRECY = re.compile(
    r"\b(?:won't|wont|will not|wouldn't|would not|never|not going to)\s+(?:ever\s+)?(?:tell|say anything to|"
    r"share (?:this|it|that) with|pass (?:this|it|that) on to)\s+(?:anyone|anybody|a soul|your \w+|the school|"
    r"social services|the police|them)\b"
    r"|\b(?:stays?|kept|keep (?:this|it|that))\s+(?:just\s+)?between (?:us|you and (?:me|us))\b"
    r"|\bkeep (?:this|it|that|your message) (?:a )?secret\b|\b(?:no one|nobody|no-one) (?:else )?will (?:ever )?"
    r"(?:know|find out)\b|\b(?:I|we) promise\b", re.IGNORECASE)
# Recommending a named business or practitioner ("Try Chatterbox Speech Therapy", "we'd recommend Talking Tots")
_ENDORSE = re.compile(r"\b(?i:recommend|suggest|vouch for|try|rate)\s+((?:[A-Z][\w'&-]*\s?){1,4})"
                      r"|\b(?i:best)\s+(?i:one\s+)?(?i:in|around)\s+[A-Z]\w+")
_NOT_A_BUSINESS = frozenset("""a an the your our us you we i it this that their his her my any some gp gps nhs camhs
childline samaritans nspcc sendiass iass send sen senco ehcp the local offer contact mencap ipsea council la""".split())


def _endorsement(text: str) -> re.Match | None:
    p = load_profile()
    own = {w.lower() for w in re.findall(r"\w+", f"{p.name} {p.short_name} {p.area}")}
    for m in _ENDORSE.finditer(text):
        if m.group(1):
            first = m.group(1).split()[0].lower().strip("'")
            if first in _NOT_A_BUSINESS or first in own:
                continue
        return m
    return None


@dataclass(frozen=True)
class PointResult:
    point: str
    met: bool | None  # None: not assessed (an avoidance point on an empty reply)
    message: str
    evidence: str | None = None

    def to_dict(self) -> dict:
        return {"point": self.point, "label": POINT_LABELS[self.point], "met": self.met, "message": self.message,
                "evidence": self.evidence}


def _point(scenario: Scenario, point: str, answer: str, violations) -> PointResult:
    p = load_profile()
    text = _norm(answer)
    if point == "no_reply":
        if not text:
            return PointResult(point, True, "Right: this one gets no reply from you.")
        return PointResult(point, False, "This one should get no reply: abuse and spam go to moderation, and "
                                         "out-of-scope public questions are left for a person. Use /skip "
                                         "(or an empty reply).")
    if not text:
        if point in AVOIDANCE_POINTS:
            return PointResult(point, None, "Not assessed: there was no reply.")
        return PointResult(point, False, "This comment needs a reply; skipping leaves the person without one.")
    if point in ("redirect", "feedback_procedure", "signpost_emergency"):
        m = _patterns()[point].search(text)
        missing = {
            "redirect": f"Give the service's phone number ({p.phone}) or e-mail ({p.email}) so they can talk to "
                        f"an adviser in confidence.",
            "feedback_procedure": f"Point them to {p.feedback_procedure} ({p.feedback_url}).",
            "signpost_emergency": f"Say that if anyone is in immediate danger they should call "
                                  f"{p.signposting['emergency']['phone']}.",
        }[point]
        return PointResult(point, True, "Done.", m.group(0)) if m else PointResult(point, False, missing)
    if point == "disclaimer":
        m = _DISCLAIMER.search(text)
        return (PointResult(point, True, "Done.", m.group(0)) if m else
                PointResult(point, False, "Remind them that this page (or chat) is public, so nothing shared here "
                                          "is confidential."))
    if point == "thanks":
        m = _THANKS.search(text)
        return (PointResult(point, True, "Done.", m.group(0)) if m else
                PointResult(point, False, "Thank them for getting in touch (or for their kind words)."))
    if point == "general_info":
        low = text.lower()
        for kw in scenario.keywords:
            if re.search(r"(?<!\w)" + re.escape(kw.lower()) + r"(?!\w)", low):
                return PointResult(point, True, "Done.", kw)
        return PointResult(point, False, "Give the general information they asked for (for example: "
                                         + "; ".join(scenario.keywords[:3]) + ").")
    if point == "no_promise":
        found = next((v for v in violations if v.rule == "promise"), None)
        if found is not None:
            return PointResult(point, False, "Don't promise outcomes, times or actions; offer information, advice "
                                             "and support instead.", found.evidence)
        m = _SECRECY.search(text)
        if m:
            return PointResult(point, False, "Never promise to keep something secret or promise what will happen: "
                                             "the team may need to act on it.", m.group(0))
        return PointResult(point, True, "Done.")
    if point == "impartial":
        found = next((v for v in violations if v.rule == "partiality"), None)
        if found is not None:
            return PointResult(point, False, "Stay neutral: no sides for or against the council, a school, a "
                                             "party or a business.", found.evidence)
        m = _endorsement(text)
        if m:
            return PointResult(point, False, "Don't recommend a business or practitioner by name; that is an "
                                             "endorsement.", m.group(0).strip())
        return PointResult(point, True, "Done.")
    raise ValueError(f"unknown point {point!r}")


def is_skip(answer: str | None) -> bool:
    text = _norm(answer or "").lower()
    return text in SKIP_WORDS or bool(re.fullmatch(r"/skip(?:@\w+)?", text))


@dataclass
class Result:
    scenario: Scenario
    answer: str
    skipped: bool
    passed: bool
    violations: tuple  # bot.guard.Finding
    rules: dict[str, bool]  # every guard rule -> passed (empty when nothing was written)
    points: tuple[PointResult, ...]
    model_answer: str | None

    @property
    def failed_rules(self) -> list[str]:
        return [r for r, ok in self.rules.items() if not ok]

    @property
    def failed_points(self) -> list[str]:
        return [p.point for p in self.points if p.met is False]

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario.to_dict(), "answer": self.answer, "skipped": self.skipped,
            "passed": self.passed, "guard_ok": not self.violations,
            "violations": [{**v.to_dict(), "label": RULE_LABELS[v.rule]} for v in self.violations],
            "rules": self.rules, "points": [p.to_dict() for p in self.points], "model_answer": self.model_answer,
        }


def score(scenario: Scenario, answer: str | None) -> Result:
    """The guard's verdict on a practice reply and the scenario's required points (pure; nothing stored)."""
    from bot import guard

    if answer is not None and not isinstance(answer, str):
        raise PracticeError("the reply must be text")
    answer = (answer or "").replace("\x00", "")
    if len(answer) > MAX_ANSWER:
        raise PracticeError(f"the reply is {len(answer):,} characters; the limit is {MAX_ANSWER:,}")
    skipped = is_skip(answer)
    text = "" if skipped else answer.strip()
    violations: tuple = ()
    rules: dict[str, bool] = {}
    if text:
        verdict = guard.check(text, comment=scenario.comment, comment_triage=scenario.comment_triage(),
                              rewrite=False)
        violations = verdict.violations
        broken = {v.rule for v in violations}
        rules = {r: r not in broken for r in guard.RULES}
    points = tuple(_point(scenario, p, text, violations) for p in scenario.points)
    passed = not violations and all(p.met is not False for p in points)
    return Result(scenario=scenario, answer=text, skipped=skipped, passed=passed, violations=violations,
                  rules=rules, points=points, model_answer=model_answer(scenario))


# --------------------------------------------------------------------------------------------------
# Choosing the next scenario
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attempted:
    """What the choice of the next scenario needs to know about one earlier attempt."""
    scenario_id: str
    failed_rules: tuple[str, ...] = ()
    failed_points: tuple[str, ...] = ()


def seen_this_round(bank: Bank, history: Iterable[Attempted]) -> set[str]:
    """The scenarios attempted since the volunteer last went through the whole bank."""
    seen: set[str] = set()
    for a in history:
        if a.scenario_id in bank.ids:
            seen.add(a.scenario_id)
            if len(seen) == len(bank):
                seen = set()
    return seen


def weaknesses(history: list[Attempted], window: int = WEAKNESS_WINDOW) -> Counter:
    """How often each rule and point failed in the latest attempts."""
    counts: Counter = Counter()
    for a in history[-window:]:
        counts.update(a.failed_rules)
        counts.update(a.failed_points)
    return counts


def choose_next(bank: Bank, history: list[Attempted]) -> Scenario:
    """An unseen scenario that exercises what the volunteer failed most, then the easiest (bank order breaks ties)."""
    seen = seen_this_round(bank, history)
    unseen = [s for s in bank.scenarios if s.id not in seen]
    weak = weaknesses(history)

    def key(s: Scenario):
        need = sum(weak[r] for r in s.exercises) + sum(weak[p] for p in s.points)
        return -need, s.difficulty, bank.index(s.id)

    return min(unseen, key=key)


# --------------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------------

volunteers = sa.Table(
    "practice_volunteers", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("telegram_user_id", sa.BigInteger, unique=True),      # enrolled for /practice in Telegram
    sa.Column("web_user", sa.String(40), unique=True),              # a review-page account (bot/auth.py)
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("enrolled_by", sa.String(60)),
    sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
)

practice_sessions = sa.Table(
    "practice_sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("volunteer_id", sa.Integer, sa.ForeignKey("practice_volunteers.id"), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),             # telegram / web / cli
    sa.Column("chat", sa.String(120), nullable=False),              # telegram:<chat id>, web:<user>, cli:<id>
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("scenario_id", sa.String(80)),                         # shown, waiting for the answer
    sa.Column("shown_at", sa.DateTime(timezone=True)),
    sa.Index("ix_practice_sessions_chat", "chat", "ended_at"),
)

attempts = sa.Table(
    "practice_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("volunteer_id", sa.Integer, sa.ForeignKey("practice_volunteers.id"), nullable=False),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("practice_sessions.id")),
    sa.Column("scenario_id", sa.String(80), nullable=False),
    sa.Column("route", sa.String(40), nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("difficulty", sa.Integer, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("source_key", sa.String(160), unique=True),           # e.g. telegram:<update id>: handled once
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("skipped", sa.Boolean, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("guard_ok", sa.Boolean),                              # None: nothing was written
    sa.Column("violations", sa.Text, nullable=False),               # JSON list of the guard's findings
    sa.Column("shown_at", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_practice_attempts_volunteer", "volunteer_id", "id"),
)

attempt_results = sa.Table(
    "practice_results", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("attempt_id", sa.Integer, sa.ForeignKey("practice_attempts.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),                # rule / point
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Index("ix_practice_results_attempt", "attempt_id"),
)


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _iso(value: datetime | None) -> str | None:
    return _utc(value).isoformat() if value else None


def _volunteer_dict(row) -> dict:
    r = row._mapping
    return {"id": r["id"], "name": r["name"], "telegram_user_id": r["telegram_user_id"], "web_user": r["web_user"],
            "active": bool(r["active"]), "enrolled_by": r["enrolled_by"], "enrolled_at": _iso(r["enrolled_at"])}


def _session_dict(row) -> dict:
    r = row._mapping
    return {"id": r["id"], "volunteer_id": r["volunteer_id"], "source": r["source"], "chat": r["chat"],
            "started_at": _iso(r["started_at"]), "ended_at": _iso(r["ended_at"]), "scenario_id": r["scenario_id"],
            "shown_at": _iso(r["shown_at"])}


@dataclass
class Outcome:
    """One answered scenario: the result, what comes next, and where the volunteer stands."""
    attempt_id: int
    result: Result
    next: Scenario
    new_round: bool  # every scenario has been seen: the next one starts a new round
    duplicate: bool = False  # the same update/answer was handled before (nothing stored twice)
    position: int = 0  # the next scenario's number in this round (1-based)

    def to_dict(self) -> dict:
        return {"attempt_id": self.attempt_id, "result": self.result.to_dict(), "next": self.next.public(),
                "new_round": self.new_round, "duplicate": self.duplicate, "position": self.position}


class PracticeEngine:
    """Volunteers, sessions, attempts and progress in the product store; the same for every channel."""

    def __init__(self, store: Store | None = None, bank: Bank | None = None):
        self.store = store or Store()
        self.engine = self.store.engine
        metadata.create_all(self.engine)  # the practice tables, when the Store was made before they were imported
        self.bank = bank or load_bank()

    # ------------------------------------------------------------ volunteers

    def enrol(self, telegram_user_id: int | None, name: str, *, web_user: str | None = None,
              by: str | None = None) -> tuple[dict, bool]:
        """Enrol (or update) a volunteer; (the volunteer, True when new). A web account links both places."""
        name = " ".join((name or "").split())
        if not name or len(name) > 120:
            raise PracticeError("give the volunteer's name (1-120 characters)")
        if telegram_user_id is not None and (not isinstance(telegram_user_id, int) or telegram_user_id <= 0):
            raise PracticeError("a Telegram user id is a positive number (the volunteer can get theirs from "
                                "@userinfobot)")
        if web_user is not None:
            from bot.auth import normal_name

            web_user = normal_name(web_user)
        if telegram_user_id is None and web_user is None:
            raise PracticeError("give a Telegram user id or a web account to enrol")
        with self.engine.begin() as conn:
            by_tg = conn.execute(sa.select(volunteers).where(volunteers.c.telegram_user_id == telegram_user_id)
                                 ).first() if telegram_user_id is not None else None
            by_web = conn.execute(sa.select(volunteers).where(volunteers.c.web_user == web_user)
                                  ).first() if web_user is not None else None
            if by_tg is not None and by_web is not None and by_tg.id != by_web.id:
                raise PracticeError(f"Telegram user {telegram_user_id} and web account {web_user} are already two "
                                    f"different volunteers")
            row = by_tg or by_web
            values = {"name": name, "active": True}
            if telegram_user_id is not None:
                values["telegram_user_id"] = telegram_user_id
            if web_user is not None:
                values["web_user"] = web_user
            if row is not None:
                conn.execute(volunteers.update().where(volunteers.c.id == row.id).values(**values))
                new, vid = False, row.id
            else:
                vid = conn.execute(volunteers.insert().values(**values, enrolled_by=by, enrolled_at=now())
                                   ).inserted_primary_key[0]
                new = True
        return self.volunteer(vid), new

    def unenrol(self, telegram_user_id: int) -> dict:
        """The volunteer can no longer /practice in Telegram; their progress is kept."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(volunteers).where(volunteers.c.telegram_user_id == telegram_user_id)).first()
            if row is None:
                raise PracticeError(f"no volunteer is enrolled with Telegram user id {telegram_user_id}")
            conn.execute(volunteers.update().where(volunteers.c.id == row.id).values(active=False))
            conn.execute(practice_sessions.update().where(practice_sessions.c.volunteer_id == row.id,
                                                          practice_sessions.c.ended_at.is_(None))
                         .values(ended_at=now()))
        return self.volunteer(row.id)

    def volunteer(self, volunteer_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(volunteers).where(volunteers.c.id == volunteer_id)).first()
        return _volunteer_dict(row) if row else None

    def volunteers(self, *, active_only: bool = False) -> list[dict]:
        q = sa.select(volunteers).order_by(volunteers.c.name, volunteers.c.id)
        if active_only:
            q = q.where(volunteers.c.active.is_(True))
        with self.engine.connect() as conn:
            return [_volunteer_dict(r) for r in conn.execute(q)]

    def volunteer_by_telegram(self, telegram_user_id: int) -> dict | None:
        """The enrolled (active) volunteer with this Telegram account, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(volunteers).where(volunteers.c.telegram_user_id == telegram_user_id,
                                                           volunteers.c.active.is_(True))).first()
        return _volunteer_dict(row) if row else None

    def volunteer_for_web(self, user_name: str, *, create: bool = True) -> dict | None:
        """The volunteer record of a signed-in review-page account (made when they first start practising)."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(volunteers).where(volunteers.c.web_user == user_name)).first()
            if row is None:
                if not create:
                    return None
                vid = conn.execute(volunteers.insert().values(name=user_name, web_user=user_name, active=True,
                                                              enrolled_by="web", enrolled_at=now())
                                   ).inserted_primary_key[0]
            else:
                vid = row.id
        return self.volunteer(vid)

    def volunteer_by_name(self, name: str, *, create: bool = False) -> dict | None:
        """A volunteer by name (case-insensitive; the terminal's `--volunteer`), made when asked to."""
        name = " ".join((name or "").split())
        if not name:
            raise PracticeError("give a name")
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(volunteers).where(sa.func.lower(volunteers.c.name) == name.lower())
                               .order_by(volunteers.c.id).limit(1)).first()
            if row is None:
                if not create:
                    return None
                vid = conn.execute(volunteers.insert().values(name=name[:120], active=True, enrolled_by="cli",
                                                              enrolled_at=now())).inserted_primary_key[0]
            else:
                vid = row.id
        return self.volunteer(vid)

    # ------------------------------------------------------------ sessions

    def history(self, volunteer_id: int) -> list[Attempted]:
        """Every attempt of a volunteer, oldest first, as the choice of the next scenario needs them."""
        q = (sa.select(attempts.c.id, attempts.c.scenario_id, attempt_results.c.kind, attempt_results.c.name,
                       attempt_results.c.passed)
             .select_from(attempts.outerjoin(attempt_results, attempt_results.c.attempt_id == attempts.c.id))
             .where(attempts.c.volunteer_id == volunteer_id).order_by(attempts.c.id, attempt_results.c.id))
        out: dict[int, tuple[str, list[str], list[str]]] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(q):
                _, rules, points = out.setdefault(r.id, (r.scenario_id, [], []))
                if r.kind is not None and not r.passed:
                    (rules if r.kind == "rule" else points).append(r.name)
        return [Attempted(sid, tuple(rules), tuple(points)) for sid, rules, points in out.values()]

    def next_for(self, volunteer_id: int) -> Scenario:
        return choose_next(self.bank, self.history(volunteer_id))

    def position(self, volunteer_id: int, history: list[Attempted] | None = None) -> int:
        """The number, in the current round, of the scenario the volunteer is about to see (1-based)."""
        return len(seen_this_round(self.bank, history if history is not None else self.history(volunteer_id))) + 1

    def active_session(self, chat: str) -> dict | None:
        """The practice session going on in a chat (telegram:<id>, web:<user>, cli:<id>), or None."""
        q = (sa.select(practice_sessions)
             .where(practice_sessions.c.chat == chat, practice_sessions.c.ended_at.is_(None))
             .order_by(practice_sessions.c.id.desc()).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return _session_dict(row) if row else None

    def session(self, session_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(practice_sessions).where(practice_sessions.c.id == session_id)).first()
        return _session_dict(row) if row else None

    def start(self, volunteer_id: int, source: str, chat: str) -> tuple[dict, Scenario, bool]:
        """Start practising in a chat, or carry on the session already going there; (session, scenario, resumed)."""
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        current = self.active_session(chat)
        if current is not None and current["volunteer_id"] == volunteer_id:
            scenario = self.bank.get(current["scenario_id"])
            if scenario is not None:
                return current, scenario, True
        scenario = self.next_for(volunteer_id)
        t = now()
        with self.engine.begin() as conn:
            conn.execute(practice_sessions.update().where(practice_sessions.c.chat == chat,
                                                          practice_sessions.c.ended_at.is_(None))
                         .values(ended_at=t))
            if current is not None and current["volunteer_id"] == volunteer_id:  # its scenario left the bank
                sid = current["id"]
                conn.execute(practice_sessions.update().where(practice_sessions.c.id == sid)
                             .values(ended_at=None, scenario_id=scenario.id, shown_at=t))
            else:
                sid = conn.execute(practice_sessions.insert().values(
                    volunteer_id=volunteer_id, source=source, chat=chat, started_at=t, scenario_id=scenario.id,
                    shown_at=t)).inserted_primary_key[0]
        return self.session(sid), scenario, False

    def current(self, session_id: int) -> Scenario | None:
        session = self.session(session_id)
        if session is None or session["ended_at"] is not None:
            return None
        return self.bank.get(session["scenario_id"])

    def stop(self, session_id: int) -> dict:
        """End a session; a summary of it: scenarios answered and passed."""
        with self.engine.begin() as conn:
            conn.execute(practice_sessions.update().where(practice_sessions.c.id == session_id,
                                                          practice_sessions.c.ended_at.is_(None))
                         .values(ended_at=now()))
            rows = conn.execute(sa.select(attempts.c.passed).where(attempts.c.session_id == session_id)).all()
        return {"session_id": session_id, "answered": len(rows), "passed": sum(bool(r.passed) for r in rows)}

    def submit(self, session_id: int, answer: str | None, *, scenario_id: str | None = None,
               source_key: str | None = None) -> Outcome:
        """Score the answer to the scenario the session is showing, store it, and move on to the next one.

        ``scenario_id``: the scenario the person answered (a page sends it; an answer to a scenario that is
        no longer shown is refused with Conflict). ``source_key``: an id of the incoming message (a Telegram
        update): a message handled again after a restart returns the stored outcome, nothing twice.
        """
        if source_key is not None:
            done = self._by_source_key(source_key)
            if done is not None:
                return done
        session = self.session(session_id)
        if session is None or session["ended_at"] is not None:
            raise NoSession("no practice session is active; start one first")
        shown = self.bank.get(session["scenario_id"])
        if shown is None:
            raise Conflict("the scenario shown is no longer in the bank; start again")
        if scenario_id is not None and scenario_id != shown.id:
            raise Conflict("that scenario has been answered already; here is the current one")
        result = score(shown, answer)
        history = self.history(session["volunteer_id"])
        history.append(Attempted(shown.id, tuple(result.failed_rules), tuple(result.failed_points)))
        new_round = not seen_this_round(self.bank, history)
        nxt = choose_next(self.bank, history)
        t = now()
        with self.engine.begin() as conn:
            # the first write: takes the database's write lock, and only one answer to a shown scenario wins
            moved = conn.execute(practice_sessions.update().where(
                practice_sessions.c.id == session_id, practice_sessions.c.ended_at.is_(None),
                practice_sessions.c.scenario_id == shown.id).values(scenario_id=nxt.id, shown_at=t)).rowcount
            if moved != 1:
                raise Conflict("that scenario has been answered already; here is the current one")
            attempt_id = conn.execute(attempts.insert().values(
                volunteer_id=session["volunteer_id"], session_id=session_id, scenario_id=shown.id,
                route=shown.route, channel=shown.channel, difficulty=shown.difficulty, source=session["source"],
                source_key=source_key, answer=result.answer, skipped=result.skipped, passed=result.passed,
                guard_ok=(not result.violations) if result.rules else None,
                violations=json.dumps([v.to_dict() for v in result.violations], ensure_ascii=False),
                shown_at=session["shown_at"] and datetime.fromisoformat(session["shown_at"]), created_at=t,
            )).inserted_primary_key[0]
            rows = [{"attempt_id": attempt_id, "kind": "rule", "name": r, "passed": ok}
                    for r, ok in result.rules.items()]
            rows += [{"attempt_id": attempt_id, "kind": "point", "name": p.point, "passed": p.met}
                     for p in result.points if p.met is not None]
            if rows:
                conn.execute(attempt_results.insert(), rows)
        return Outcome(attempt_id=attempt_id, result=result, next=nxt, new_round=new_round,
                       position=self.position(session["volunteer_id"], history))

    def _by_source_key(self, source_key: str) -> Outcome | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(attempts).where(attempts.c.source_key == source_key)).first()
            if row is None:
                return None
            session = conn.execute(sa.select(practice_sessions).where(practice_sessions.c.id == row.session_id)).first()
        scenario = self.bank.get(row.scenario_id)
        nxt = self.bank.get(session.scenario_id) if session is not None else None
        if scenario is None or nxt is None:
            return None
        return Outcome(attempt_id=row.id, result=score(scenario, row.answer), next=nxt, new_round=False,
                       duplicate=True, position=self.position(row.volunteer_id))

    # ------------------------------------------------------------ progress

    def progress(self, volunteer_id: int) -> dict:
        """Scenarios done, pass rates by route, rule and point, the commonest mistakes, and readiness."""
        volunteer = self.volunteer(volunteer_id)
        if volunteer is None:
            raise PracticeError(f"no volunteer {volunteer_id}")
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(attempts.c.id, attempts.c.scenario_id, attempts.c.passed,
                                          attempts.c.created_at)
                                .where(attempts.c.volunteer_id == volunteer_id).order_by(attempts.c.id)).all()
            results = conn.execute(sa.select(attempt_results.c.kind, attempt_results.c.name, attempt_results.c.passed)
                                   .select_from(attempt_results.join(attempts,
                                                                     attempts.c.id == attempt_results.c.attempt_id))
                                   .where(attempts.c.volunteer_id == volunteer_id)).all()
        latest: dict[str, bool] = {}
        for r in rows:
            if r.scenario_id in self.bank.ids:
                latest[r.scenario_id] = bool(r.passed)
        share = ready_share()
        by_route = {}
        for route in ROUTES:
            ids = [s.id for s in self.bank.in_route(route)]
            if not ids:
                continue
            done = [i for i in ids if i in latest]
            passed = [i for i in done if latest[i]]
            by_route[route] = {"total": len(ids), "done": len(done), "passed": len(passed),
                               "share": round(len(passed) / len(ids), 3), "ready": len(passed) / len(ids) >= share}

        def rates(kind: str, names: Iterable[str]) -> dict:
            out = {}
            for name in names:
                checked = [bool(r.passed) for r in results if r.kind == kind and r.name == name]
                out[name] = {"checked": len(checked), "passed": sum(checked),
                             "rate": round(sum(checked) / len(checked), 3) if checked else None}
            return out

        from bot.guard import RULES

        mistakes = Counter((r.kind, r.name) for r in results if not r.passed)
        return {
            "volunteer": volunteer,
            "scenarios_total": len(self.bank), "scenarios_done": len(latest),
            "scenarios_passed": sum(latest.values()), "attempts": len(rows),
            "attempts_passed": sum(bool(r.passed) for r in rows),
            "pass_rate": round(sum(bool(r.passed) for r in rows) / len(rows), 3) if rows else None,
            "by_route": by_route, "by_rule": rates("rule", RULES), "by_point": rates("point", POINTS),
            "mistakes": [{"kind": k, "name": n, "label": (RULE_LABELS if k == "rule" else POINT_LABELS)[n],
                          "count": c} for (k, n), c in mistakes.most_common(5)],
            "ready": bool(by_route) and all(v["ready"] for v in by_route.values()),
            "ready_share": share,
            "last_practised": _iso(rows[-1].created_at) if rows else None,
        }

    def report(self) -> list[dict]:
        """Every volunteer's progress (the coordinator's summary)."""
        return [self.progress(v["id"]) for v in self.volunteers()]


REPORT_COLUMNS_FIXED = ("volunteer", "telegram_user_id", "web_user", "active", "enrolled_at", "last_practised",
                        "scenarios_total", "scenarios_done", "scenarios_passed", "attempts", "pass_rate", "ready",
                        "common_mistakes")


def report_columns() -> list[str]:
    from bot.guard import RULES

    return (list(REPORT_COLUMNS_FIXED) + [f"route_{r}" for r in ROUTES] + [f"rule_{r}" for r in RULES]
            + [f"point_{p}" for p in POINTS])


def report_row(p: dict) -> dict:
    """One CSV row: route cells are "passed/total", rule and point cells pass rates (blank: never checked)."""
    v = p["volunteer"]
    row = {"volunteer": v["name"], "telegram_user_id": v["telegram_user_id"] or "", "web_user": v["web_user"] or "",
           "active": "yes" if v["active"] else "no", "enrolled_at": v["enrolled_at"],
           "last_practised": p["last_practised"] or "", "scenarios_total": p["scenarios_total"],
           "scenarios_done": p["scenarios_done"], "scenarios_passed": p["scenarios_passed"],
           "attempts": p["attempts"], "pass_rate": "" if p["pass_rate"] is None else p["pass_rate"],
           "ready": "yes" if p["ready"] else "no",
           "common_mistakes": "; ".join(f"{m['name']} x{m['count']}" for m in p["mistakes"])}
    for route, r in p["by_route"].items():
        row[f"route_{route}"] = f"{r['passed']}/{r['total']}"
    for kind, key in (("rule", "by_rule"), ("point", "by_point")):
        for name, r in p[key].items():
            row[f"{kind}_{name}"] = "" if r["rate"] is None else r["rate"]
    return row


def write_report(engine: PracticeEngine, out) -> int:
    from bot.contract import csv_row

    writer = csv.DictWriter(out, fieldnames=report_columns(), extrasaction="ignore")
    writer.writeheader()
    rows = engine.report()
    for p in rows:
        writer.writerow(csv_row(report_row(p)))  # a volunteer's name like "=HYPERLINK(...)" stays text
    return len(rows)


# --------------------------------------------------------------------------------------------------
# Texts for Telegram and the terminal
# --------------------------------------------------------------------------------------------------

def _plain(text: str, style: str) -> str:
    return text


def scenario_text(scenario: Scenario, position: int | None = None, total: int | None = None) -> str:
    where = f"Scenario {position} of {total}" if position and total else "Scenario"
    stars = "●" * scenario.difficulty + "○" * (3 - scenario.difficulty)
    return (f"📝 {where} · {CHANNEL_TITLES[scenario.channel]} · difficulty {stars}\n\n"
            f"“{scenario.comment}”\n\n"
            f"Type the reply you would post for {load_profile().short_name}, or /skip if it should get no reply.")


def feedback_text(result: Result, paint: Callable[[str, str], str] = _plain) -> str:
    """The feedback on one attempt: the verdict, every violation with its clause, the points, the model answer."""
    s = result.scenario
    lines = [paint("✅ Passed: this reply follows the policy and does what was needed.", "green") if result.passed
             else paint("❌ Not yet: see what to change below.", "red"),
             f"This was: {ROUTE_TITLES[s.route]} ({CHANNEL_TITLES[s.channel].lower()})."]
    if result.violations:
        lines.append("")
        lines.append(paint(f"Policy check: {len(result.violations)} problem(s)", "bold"))
        for v in result.violations:
            lines.append(f"• {RULE_LABELS[v.rule]} ({v.rule}): {v.message}")
            lines.append(f"  evidence: “{v.evidence}”")
            lines.append(paint(f"  policy: “{v.clause}”", "dim"))
    elif not result.skipped and result.answer:
        lines.append(paint("Policy check: no problems found.", "green"))
    needed = result.skipped and "no_reply" not in s.points
    if needed:
        lines.append(paint("This comment needs a reply: skipping leaves the person without one.", "red"))
    lines.append("")
    lines.append(paint("What a good reply needs:", "bold"))
    for p in result.points:
        mark = {True: "✔", False: "✘", None: "–"}[p.met]
        text = f"{mark} {POINT_LABELS[p.point]}"
        if p.met is False and not needed:
            text += f": {p.message}" + (f" (“{p.evidence}”)" if p.evidence else "")
        lines.append(paint(text, {True: "green", False: "red", None: "dim"}[p.met]))
    lines.append("")
    if result.model_answer:
        lines.append(paint(f"Model answer ({s.model_reply}):", "bold"))
        lines.append(result.model_answer)
    else:
        lines.append(paint("Model answer: no reply. Leave it for moderation or a person, and tell your line "
                           "manager if it worries you.", "bold"))
    if s.tip:
        lines.append(paint(f"Tip: {s.tip}", "dim"))
    return "\n".join(lines)


def progress_text(p: dict) -> str:
    lines = [(f"Progress: {p['scenarios_done']} of {p['scenarios_total']} scenarios done, "
              f"{p['scenarios_passed']} passed (latest attempt).")]
    lines.append("By route: " + ", ".join(f"{r} {v['passed']}/{v['total']}" for r, v in p["by_route"].items()))
    if p["mistakes"]:
        lines.append("Most common mistakes: " + "; ".join(f"{m['label']} ×{m['count']}" for m in p["mistakes"][:3]))
    lines.append(f"Ready to reply on the service's behalf: {'yes' if p['ready'] else 'not yet'} "
                 f"(pass {round(p['ready_share'] * 100)}% of the scenarios in every route).")
    return "\n".join(lines)


PRACTICE_HELP = ("Practice mode. Each scenario is a comment or message the service might get: type the reply "
                 "you would post. You'll get the policy check, what a good reply needs and the approved model "
                 "answer. /skip - no reply (right for abuse, spam and some out-of-scope public comments); "
                 "/progress - how you're doing; /stop - finish. Nothing you write here is sent to anyone.")


# --------------------------------------------------------------------------------------------------
# Telegram: /practice in a private chat, for enrolled volunteers
# --------------------------------------------------------------------------------------------------

PRACTICE_GROUP = -1  # runs before the service's handlers (group 0); ApplicationHandlerStop keeps them out
PRACTICE_COMMANDS = frozenset({"practice", "stop", "skip", "progress", "help", "start"})


def _command(text: str | None) -> str | None:
    m = re.match(r"^/([A-Za-z0-9_]+)(?:@\w+)?(?:\s|$)", text or "")
    return m.group(1).lower() if m else None


class TelegramPractice:
    """The practice handler of the Telegram bot (bot.telegram.SafeRepliesBot), on the bot's own store."""

    def __init__(self, bot):
        self.bot = bot
        self.engine = PracticeEngine(bot.store)

    async def send(self, job, key: str, chat_id: int, text: str) -> bool:
        """A practice text: stored and retried like every outgoing text. The guard's verdict is recorded but a
        practice text is never held back: it quotes the scenario and the volunteer's own draft (like the
        findings the staff chat gets), and it goes only to an enrolled volunteer."""
        from bot import guard

        verdict = guard.check(text, rewrite=False)
        return await self.bot.deliver(job, f"practice:{key}", chat_id, text, channel="telegram_practice",
                                      sender="practice", route="practice", guard_ok=verdict.ok,
                                      findings=[v.to_dict() for v in verdict.violations])

    async def on_message(self, update, context) -> None:
        from telegram.ext import ApplicationHandlerStop

        message, chat, user = update.message or update.edited_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None:
            return
        edited = update.edited_message is not None
        conversation = f"telegram:{chat.id}"
        command = _command(message.text)
        try:  # is this practice at all? On any doubt, the service handles the message as usual.
            session = await asyncio.to_thread(self.engine.active_session, conversation)
            volunteer = None
            if session is None:
                if command != "practice" or edited:
                    return
                volunteer = await asyncio.to_thread(self.engine.volunteer_by_telegram, user.id)
                if volunteer is None:
                    return  # not enrolled: the service refuses the command as for anyone
        except Exception:
            logger.exception("practice: could not look up chat %s; the service handles the message", chat.id)
            return
        job = self.bot.job(update)
        try:
            if edited:  # an edited practice answer is not a message to the service either
                await self.send(job, "edited", chat.id, "Edited messages aren't marked: send your reply again as a "
                                                        "new message, or /skip, or /stop.")
                self.bot.store.set_message_outcome(job.message_id, route="practice", flags={"practice": "edited"})
            else:
                await self.handle(job, chat.id, user.id, conversation, session, volunteer, command, message)
        except Exception as exc:  # the update is marked failed (or left for later) and staff are told
            job.error = exc
        raise ApplicationHandlerStop

    async def handle(self, job, chat_id: int, user_id: int, conversation: str, session: dict | None,
                     volunteer: dict | None, command: str | None, message) -> None:
        engine = self.engine
        store = self.bot.store
        if session is None:  # /practice from an enrolled volunteer
            session, scenario, resumed = await asyncio.to_thread(engine.start, volunteer["id"], "telegram",
                                                                 conversation)
            position = await asyncio.to_thread(engine.position, volunteer["id"])
            hello = (f"Welcome back, {volunteer['name']}: carrying on where you left off." if resumed else
                     f"Hello {volunteer['name']}. {PRACTICE_HELP}")
            await self.send(job, "hello", chat_id, hello)
            await self.send(job, "scenario", chat_id, scenario_text(scenario, position, len(engine.bank)))
            store.set_message_outcome(job.message_id, route="practice", flags={"practice": "start",
                                                                              "session": session["id"]})
            return
        owner = await asyncio.to_thread(engine.volunteer, session["volunteer_id"])
        if owner is None or not owner["active"] or owner["telegram_user_id"] != user_id:
            await asyncio.to_thread(engine.stop, session["id"])
            await self.send(job, "ended", chat_id, "This practice session has ended.")
            store.set_message_outcome(job.message_id, route="practice", flags={"practice": "ended"})
            return
        flags = {"session": session["id"]}
        if command == "stop":
            summary = await asyncio.to_thread(engine.stop, session["id"])
            progress = await asyncio.to_thread(engine.progress, owner["id"])
            await self.send(job, "stopped", chat_id,
                            f"Practice stopped: {summary['answered']} answered this time, {summary['passed']} passed.\n"
                            f"{progress_text(progress)}\nSend /practice to carry on another time. Messages you send "
                            f"now go to the service as usual.")
            flags["practice"] = "stop"
        elif command == "progress":
            progress = await asyncio.to_thread(engine.progress, owner["id"])
            await self.send(job, "progress", chat_id, progress_text(progress))
            flags["practice"] = "progress"
        elif command is not None and command != "skip":  # /practice, /help, /start, anything else: where we are
            scenario = engine.bank.get(session["scenario_id"])
            position = await asyncio.to_thread(engine.position, owner["id"])
            await self.send(job, "help", chat_id, PRACTICE_HELP)
            if scenario is not None:
                await self.send(job, "scenario", chat_id, scenario_text(scenario, position, len(engine.bank)))
            flags["practice"] = "help"
        elif message.text is None:
            await self.send(job, "text_only", chat_id, "Please type your reply as text, or /skip for no reply, "
                                                       "or /stop to finish.")
            flags["practice"] = "not_text"
        else:
            answer = "" if command == "skip" else message.text
            try:
                outcome = await asyncio.to_thread(engine.submit, session["id"], answer, source_key=job.external_id)
            except PracticeError as exc:
                await self.send(job, "refused", chat_id, str(exc))
                flags["practice"] = "refused"
            else:
                await self.send(job, "feedback", chat_id, feedback_text(outcome.result))
                intro = "🎉 You've seen every scenario: a new round starts.\n\n" if outcome.new_round else ""
                await self.send(job, "scenario", chat_id,
                                intro + scenario_text(outcome.next, outcome.position, len(engine.bank)))
                flags.update(practice="answer", attempt=outcome.attempt_id, passed=outcome.result.passed)
        store.set_message_outcome(job.message_id, route="practice", flags=flags)


def add_telegram_handlers(app, bot) -> None:
    """`/practice` and a practice session's messages in private chats (called from bot/telegram.py's
    register_handlers). Group PRACTICE_GROUP runs before the service's handlers; a message that is not practice
    goes on to them untouched."""
    from telegram.ext import MessageHandler, filters

    ready_share()  # a bad SENDIASS_PRACTICE_READY_SHARE stops the bot at start, not at a volunteer's /progress
    practice = TelegramPractice(bot)
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & (filters.UpdateType.MESSAGE
                                                               | filters.UpdateType.EDITED_MESSAGE),
                                   practice.on_message), group=PRACTICE_GROUP)


# --------------------------------------------------------------------------------------------------
# The web page: /practice for signed-in users, a coordinator's summary for approvers
# --------------------------------------------------------------------------------------------------

STATIC = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {"practice.js": "text/javascript; charset=utf-8", "practice.css": "text/css; charset=utf-8",
                "practice.html": "text/html; charset=utf-8"}


def add_practice_routes(app, store: Store | None = None) -> PracticeEngine:
    """Mount the Practice tab and its API on the main job's Sanic app (bot/server.py).

    GET  /practice                     the page (redirects to the review sign-in without a session)
    GET  /practice/coordinator         approvers: every volunteer's progress (the same page, another view)
    GET  /practice/static/<file>       practice.js, practice.css
    GET  /api/practice/state           who, the session going on and its scenario, progress, the CSRF token
    POST /api/practice/start           start or carry on -> {session, scenario, position}
    POST /api/practice/answer          {scenario_id, answer} -> the result and the next scenario ("" = no reply)
    POST /api/practice/stop            end the session -> {summary, progress}
    GET  /api/practice/report          approvers: every volunteer's progress (JSON)
    GET  /api/practice/report.csv      approvers: the same as `sendiass practice report`

    Sign-in and CSRF come from bot/auth.py: the review page's session cookie, and its CSRF token in the
    X-CSRF-Token header of every POST. No API tokens here: practice is for people.
    """
    from sanic import response

    from bot import auth
    from bot.web import CSRF_HEADER, cross_origin, json_error, secured, session_cookie
    from bot.contract import InputError
    from bot.httpcommon import in_thread, read_json

    ready_share()  # a bad SENDIASS_PRACTICE_READY_SHARE stops the server at start, not at the first page
    engine = PracticeEngine(store)
    db = engine.engine
    static = {name: (STATIC / name).read_bytes() for name in STATIC_TYPES}

    error = json_error
    def signed_in(page: bool = False, approver: bool = False):
        def wrap(handler):
            @functools.wraps(handler)
            async def wrapper(request, *args, **kwargs):
                try:
                    session = auth.find_session(db, session_cookie(request))
                except auth.SessionExpired:
                    session, expired = None, True
                else:
                    expired = False
                if session is None:
                    if page:
                        return secured(response.redirect("/review/login?expired=1" if expired else "/review/login",
                                                         status=303))
                    return error("your session has expired; sign in again" if expired else "sign in first", 401)
                if request.method == "POST" and (refused := cross_origin(request)):
                    return error(refused, 403)
                if request.method == "POST" and not auth.csrf_matches(session, request.headers.get(CSRF_HEADER)):
                    return error("missing or wrong CSRF token; reload the page", 403)
                if approver and not session.user.can_approve:
                    message = "Only approvers (line managers) can see the coordinator's summary."
                    if page:
                        return secured(response.html(
                            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not allowed</title>'
                            f'<link rel="stylesheet" href="/review/static/review.css"></head><body class="login">'
                            f'<main class="login-box"><h1>Safe Replies</h1><p class="error" role="alert">{message}'
                            f'</p><p><a href="/practice">Back to practice</a></p></main></body></html>', status=403))
                    return error(message, 403)
                request.ctx.session = session
                try:
                    return secured(await handler(request, *args, **kwargs))
                except PracticeError as exc:
                    return error(str(exc), exc.status)
            return wrapper
        return wrap

    def body(request) -> dict:
        """The JSON object sent (an empty body is an empty object), read by the one body parser."""
        if not (request.body or b"").strip():
            return {}
        try:
            return read_json(request)
        except InputError as exc:
            raise PracticeError(str(exc))

    def chat_of(request) -> str:
        return f"web:{request.ctx.session.user.name}"

    @signed_in(page=True)
    async def page(request):
        return response.raw(static["practice.html"], content_type=STATIC_TYPES["practice.html"])

    async def static_file(request, name: str):
        if name not in static or name == "practice.html":
            return error("not found", 404)
        return secured(response.raw(static[name], content_type=STATIC_TYPES[name]))

    @signed_in(page=True, approver=True)
    async def coordinator_page(request):
        return response.raw(static["practice.html"], content_type=STATIC_TYPES["practice.html"])

    @signed_in()
    async def state(request):
        session = request.ctx.session
        volunteer = await in_thread(engine.volunteer_for_web, session.user.name, create=False)
        current = await in_thread(engine.active_session, chat_of(request))
        scenario = engine.bank.get(current["scenario_id"]) if current else None
        return response.json({
            "user": {"name": session.user.name, "role": session.user.role, "can_approve": session.user.can_approve},
            "csrf": session.csrf, "volunteer": volunteer, "session": current,
            "scenario": scenario.public() if scenario else None, "total": len(engine.bank),
            "position": await in_thread(engine.position, volunteer["id"]) if volunteer else 1,
            "progress": await in_thread(engine.progress, volunteer["id"]) if volunteer else None,
        })

    @signed_in()
    async def start(request):
        volunteer = await in_thread(engine.volunteer_for_web, request.ctx.session.user.name)
        session, scenario, resumed = await in_thread(engine.start, volunteer["id"], "web", chat_of(request))
        return response.json({"session": session, "scenario": scenario.public(), "resumed": resumed,
                              "position": await in_thread(engine.position, volunteer["id"]),
                              "total": len(engine.bank)})

    @signed_in()
    async def answer(request):
        obj = body(request)
        text, scenario_id = obj.get("answer", ""), obj.get("scenario_id")
        if not isinstance(text, str):
            raise PracticeError("'answer' must be text (empty for no reply)")
        if not isinstance(scenario_id, str):
            raise PracticeError("'scenario_id' must name the scenario you answered")
        current = await in_thread(engine.active_session, chat_of(request))
        if current is None:
            raise NoSession("no practice session is active; start one first")
        outcome = await in_thread(engine.submit, current["id"], text, scenario_id=scenario_id)
        progress = await in_thread(engine.progress, current["volunteer_id"])
        return response.json({**outcome.to_dict(), "total": len(engine.bank), "progress": progress})

    @signed_in()
    async def stop(request):
        current = await in_thread(engine.active_session, chat_of(request))
        if current is None:
            raise NoSession("no practice session is active")
        summary = await in_thread(engine.stop, current["id"])
        return response.json({"summary": summary, "progress": await in_thread(engine.progress,
                                                                               current["volunteer_id"])})

    @signed_in(approver=True)
    async def report(request):
        return response.json({"ready_share": ready_share(), "volunteers": await in_thread(engine.report)})

    @signed_in(approver=True)
    async def report_csv(request):
        import io

        out = io.StringIO()
        await in_thread(write_report, engine, out)
        return response.raw(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="practice-report.csv"'})

    routes = [
        (page, "/practice", ["GET"]), (coordinator_page, "/practice/coordinator", ["GET"]),
        (static_file, "/practice/static/<name:str>", ["GET"]),
        (state, "/api/practice/state", ["GET"]), (start, "/api/practice/start", ["POST"]),
        (answer, "/api/practice/answer", ["POST"]), (stop, "/api/practice/stop", ["POST"]),
        (report, "/api/practice/report", ["GET"]), (report_csv, "/api/practice/report.csv", ["GET"]),
    ]
    for handler, uri, methods in routes:
        app.add_route(handler, uri, methods=methods, name=f"practice_{handler.__name__}_{methods[0].lower()}")
    return engine


# --------------------------------------------------------------------------------------------------
# Command line: `sendiass practice`, `sendiass practice enrol|unenrol|list|report`
# --------------------------------------------------------------------------------------------------

def _operator() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def cmd_practice(args) -> int:
    """A practice run in the terminal: one reply per line from standard input (piped or typed)."""
    from bot.cli import paint

    def out(text: str = "", colour: str | None = None) -> None:
        print(paint(text, colour, sys.stdout) if colour else text, flush=True)

    def style(text: str, colour: str) -> str:
        return paint(text, colour, sys.stdout)

    engine = PracticeEngine()
    name = args.volunteer or _operator().removeprefix("cli:")
    volunteer = engine.volunteer_by_name(name, create=True)
    session, scenario, resumed = engine.start(volunteer["id"], "cli", f"cli:{volunteer['id']}")
    total = len(engine.bank)
    out(style(f"Safe Replies practice for {volunteer['name']}", "bold")
        + (" (carrying on where you left off)" if resumed else ""))
    out("Type the reply you would post, on one line. An empty line (or /skip) means no reply; /stop or end of "
        "input finishes.", "dim")
    answered = 0
    position = engine.position(volunteer["id"])
    interactive = sys.stdin.isatty()
    while args.count is None or answered < args.count:
        out()
        out(scenario_text(scenario, position, total).replace(" or /skip if", " or leave it empty if"))
        if interactive:
            try:
                line = input(style("Your reply> ", "blue"))
            except EOFError:
                break
        else:
            line = sys.stdin.readline()
            if line == "":  # the end of piped input (an empty line is "\n": no reply)
                break
        line = line.rstrip("\r\n")
        if line.strip().lower() in ("/stop", "/quit", "/exit"):
            break
        if not interactive:
            out(f"Your reply> {line}", "dim")
        outcome = engine.submit(session["id"], line)
        answered += 1
        out()
        out(feedback_text(outcome.result, paint=style))
        if outcome.new_round:
            out()
            out("You've seen every scenario: a new round starts.", "green")
        scenario, position = outcome.next, outcome.position
    summary = engine.stop(session["id"])
    out()
    out(f"Practice stopped: {summary['answered']} answered, {summary['passed']} passed.", "bold")
    out(progress_text(engine.progress(volunteer["id"])))
    return 0


def cmd_enrol(args) -> int:
    from bot.cli import say

    engine = PracticeEngine()
    try:
        volunteer, new = engine.enrol(args.telegram_user_id, " ".join(args.name), web_user=args.web_user,
                                      by=_operator())
    except PracticeError as exc:
        raise SystemExit(f"Cannot enrol: {exc}.")
    where = []
    if volunteer["telegram_user_id"]:
        where.append(f"/practice in a private chat with the bot (Telegram user {volunteer['telegram_user_id']})")
    if volunteer["web_user"]:
        where.append(f"the Practice tab signed in as {volunteer['web_user']}")
    say(f"{'Enrolled' if new else 'Updated'} {volunteer['name']}: they can practise with " + " and ".join(where) + ".")
    return 0


def cmd_unenrol(args) -> int:
    from bot.cli import say

    try:
        volunteer = PracticeEngine().unenrol(args.telegram_user_id)
    except PracticeError as exc:
        raise SystemExit(f"Cannot unenrol: {exc}.")
    say(f"{volunteer['name']} can no longer /practice in Telegram; their progress is kept.")
    return 0


def cmd_list(args) -> int:
    engine = PracticeEngine()
    for v in engine.volunteers():
        p = engine.progress(v["id"])
        print("\t".join([v["name"], str(v["telegram_user_id"] or "-"), v["web_user"] or "-",
                         "active" if v["active"] else "unenrolled",
                         f"{p['scenarios_passed']}/{p['scenarios_total']} passed",
                         "ready" if p["ready"] else "not ready"]))
    return 0


def cmd_report(args) -> int:
    from bot.cli import say

    engine = PracticeEngine()
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as out:
            n = write_report(engine, out)
    else:
        n = write_report(engine, sys.stdout)
    say(f"{n} volunteer(s); ready means at least {round(ready_share() * 100)}% of the scenarios passed in every "
        f"route" + (f"; written to {args.out}" if args.out else ""))
    return 0


def add_cli(subparsers) -> None:
    """`sendiass practice [...]` and its subcommands (called from bot/cli.py's build_parser)."""
    import argparse

    def telegram_id(value: str) -> int:
        if not value.isdigit() or int(value) <= 0:
            raise argparse.ArgumentTypeError(f"a Telegram user id is a positive number, not {value!r}")
        return int(value)

    def count(value: str) -> int:
        if not value.isdigit() or int(value) <= 0:
            raise argparse.ArgumentTypeError("give a positive number of scenarios")
        return int(value)

    p = subparsers.add_parser(
        "practice", help="practise replies to realistic comments and get policy feedback (volunteer training)",
        description="Without a subcommand: a practice run in this terminal, one reply a line from standard input "
                    "(an empty line means no reply; /stop or the end of input finishes). Progress is stored.")
    p.add_argument("--volunteer", help="whose progress this is (a volunteer's name; default: your login name)")
    p.add_argument("--count", type=count, help="stop after this many scenarios")
    p.set_defaults(func=cmd_practice)
    sub = p.add_subparsers(dest="practice_command", metavar="{enrol,unenrol,list,report}")
    e = sub.add_parser("enrol", help="let a volunteer use /practice in Telegram (the coordinator does this)")
    e.add_argument("telegram_user_id", type=telegram_id, help="the volunteer's numeric Telegram user id")
    e.add_argument("name", nargs="+", help="the volunteer's name")
    e.add_argument("--web-user", help="their review-page account too, so both places share progress")
    e.set_defaults(func=cmd_enrol)
    u = sub.add_parser("unenrol", help="stop a volunteer using /practice in Telegram (progress is kept)")
    u.add_argument("telegram_user_id", type=telegram_id)
    u.set_defaults(func=cmd_unenrol)
    ls = sub.add_parser("list", help="volunteers, their progress and whether they are ready")
    ls.set_defaults(func=cmd_list)
    r = sub.add_parser("report", help="every volunteer's progress as CSV")
    r.add_argument("--out", help="a CSV file to write (default: standard output)")
    r.set_defaults(func=cmd_report)
