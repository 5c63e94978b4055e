"""The triage service: Rasa NLU (classifier + deterministic detector) -> one route -> approved reply -> guard.

`decide()` is the single place where the route precedence of the service lives; the batch CLI, the
HTTP API and the Rasa custom action (actions/actions.py) all call it.

Route precedence (shared/eval/README.md):
safeguarding > redirect_private > complaint > abuse > handoff > answer > acknowledge
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from bot import guard
from bot.contract import CHANNELS, MAX_TEXT, InputError, validate_item  # noqa: F401  (one home: bot/contract.py)
from bot.replies import Reply, select

ROUTES = ("safeguarding", "redirect_private", "complaint", "abuse", "handoff", "answer", "acknowledge")

ANSWER_INTENTS = frozenset({
    "ask_what_we_do", "ask_impartial", "ask_confidential", "ask_free", "ask_contact", "ask_ehcp",
    "ask_sen_support", "ask_assessment", "ask_annual_review", "ask_tribunal", "ask_local_offer",
    "ask_events", "ask_volunteering",
})
ACK_INTENTS = frozenset({"greet", "thank", "compliment"})
ROUTE_OF_INTENT = {
    "safeguarding": "safeguarding",
    "share_personal": "redirect_private",
    "complain": "complaint",
    "abuse": "abuse",
    "out_of_scope": "handoff",
    **{i: "answer" for i in ANSWER_INTENTS},
    **{i: "acknowledge" for i in ACK_INTENTS},
}
INTENTS = tuple(ROUTE_OF_INTENT)

# Thresholds on route probabilities (the classifier's intent probabilities summed per route).
# Safety-first routes act on weaker evidence than friendly ones: a missed safeguarding message is far
# worse than one a person reads and closes. Calibrated on our own validation set
# (tests/data/validation_messages.jsonl), never on the shared dev set: docs/DECISIONS.md.
SAFEGUARDING_MIN = 0.30
SHARE_PERSONAL_MIN = 0.50
COMPLAINT_FLAG_MIN = 0.25  # the "complaint" flag inside a redirect/safeguarding message
DECISION_MIN = 0.30  # below this, no route is clear enough for a template: a person decides

# Routes a template can close on its own. Everything else needs a person: safeguarding and handoff
# by definition, complaints (a ticket), abuse (moderation) and disclosures (a case to follow up, and
# a public comment carrying a child's details that staff may need to hide).
AUTOMATIC = frozenset({"answer", "acknowledge"})
CONFIDENT = 0.60  # an automatic route below this route probability is also shown to a person
DOUBT_MIN = 0.20  # ... and so is one where handoff or safeguarding is this likely


@dataclass
class Triage:
    route: str
    disclosure: bool
    complaint: bool
    needs_human: bool
    urgent: bool
    intent: str | None
    confidence: float
    detections: list[dict] = field(default_factory=list)
    reply: Reply | None = None
    guard_ok: bool = True
    guard_violations: list[dict] = field(default_factory=list)

    def to_dict(self, item_id: Any = None) -> dict:
        return {
            "id": item_id,
            "route": self.route,
            "disclosure": self.disclosure,
            "complaint": self.complaint,
            "needs_human": self.needs_human,
            "reply": self.reply.text if self.reply else None,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "detections": [{"type": d["type"], "start": d["start"], "end": d["end"]} for d in self.detections],
            "reply_id": self.reply.ref() if self.reply else None,
            "urgent": self.urgent,
        }

    def comment_triage(self) -> dict:
        """What the policy guard needs to know about the comment a reply answers."""
        return {"route": self.route, "disclosure": self.disclosure, "complaint": self.complaint,
                "detections": self.detections}


def _symbols_only(text: str) -> bool:
    """Emoji / pictographs with no words, e.g. a thumbs-up."""
    chars = [c for c in text if not c.isspace()]
    return bool(chars) and all(unicodedata.category(c) in ("So", "Sk", "Mn", "Cf") or c in "!.❤" for c in chars) \
        and any(unicodedata.category(c) == "So" for c in chars)


def route_probabilities(parse: dict) -> dict[str, float]:
    """The classifier's intent probabilities summed per route (all answer topics count for answer)."""
    probs = dict.fromkeys(ROUTES, 0.0)
    for r in parse.get("intent_ranking") or []:
        route = ROUTE_OF_INTENT.get(r["name"])
        if route:
            probs[route] += float(r["confidence"])
    return probs


def decide(text: str, parse: dict, channel: str = "public_comment") -> Triage:
    """One route for one message, from Rasa's parse result (intent ranking + detector entities)."""
    top = parse.get("intent") or {}
    intent, conf = top.get("name"), float(top.get("confidence") or 0.0)
    detections = [
        {"type": e["entity"], "category": e.get("role"), "start": e["start"], "end": e["end"]}
        for e in parse.get("entities") or []
        if e.get("extractor") == "DisclosureDetector"
    ]
    risk = [d for d in detections if d["category"] == "risk"]
    disclosed = [d for d in detections if d["category"] == "disclosure"]
    p = route_probabilities(parse)

    # The deterministic detector's findings come first and cannot be outvoted by the classifier.
    if risk or p["safeguarding"] >= SAFEGUARDING_MIN:
        route = "safeguarding"
    elif disclosed or p["redirect_private"] >= SHARE_PERSONAL_MIN:
        route = "redirect_private"
    elif _symbols_only(text) and intent != "abuse":
        route = "acknowledge"
    else:
        rest = ("complaint", "abuse", "handoff", "answer", "acknowledge")
        best = max(rest, key=lambda r: p[r])
        route = best if p[best] >= DECISION_MIN else "handoff"
        if route == "acknowledge" and guard.offensive_spans(text):
            # Never thank someone for a message with swearing or slurs in it.
            route = "abuse" if p["abuse"] >= DOUBT_MIN else "handoff"

    # Plain cues that the writer criticises the service itself (the guard's own test, so that a reply
    # the guard would hold back for want of the complaints procedure is never drafted).
    criticises = guard.comment_criticises_service(text)
    if criticises and route in ("abuse", "handoff", "answer", "acknowledge"):
        route = "complaint"

    # A risk signal about the writer's own life or a child they know (self-harm, abuse, violence at
    # home, neglect, a missing child) is itself a personal disclosure; a threat against children is not.
    disclosure = bool(disclosed) or route == "redirect_private" or any(
        d["type"] != "threat_to_children" for d in risk)
    complaint = route == "complaint" or (
        route in ("redirect_private", "safeguarding") and (p["complaint"] >= COMPLAINT_FLAG_MIN or criticises)
    )
    # The reply topic: the most likely intent of the chosen route; a redirect that also answers
    # criticism of the service uses the redirect written for complaints.
    topic = next((r["name"] for r in parse.get("intent_ranking") or []
                  if ROUTE_OF_INTENT.get(r["name"]) == route), None)
    if route == "redirect_private":
        topic = "complaint" if complaint else None
    elif route == "acknowledge" and topic is None:
        topic = "compliment"
    needs_human = (route not in AUTOMATIC or p[route] < CONFIDENT
                   or p["handoff"] >= DOUBT_MIN or p["safeguarding"] >= DOUBT_MIN)
    result = Triage(
        route=route, disclosure=disclosure, complaint=complaint, needs_human=needs_human,
        urgent=route == "safeguarding", intent=intent, confidence=conf, detections=detections,
    )
    return draft_reply(result, text, channel, topic)


def draft_reply(result: Triage, text: str, channel: str, topic: str | None) -> Triage:
    """Pick the approved reply and hold it to the policy guard before anyone sees it."""
    reply = select(result.route, channel, topic)
    if reply is not None:
        context = result.comment_triage()
        if result.route == "safeguarding":
            # Signposting someone at risk is never held back for want of the complaints procedure:
            # a person is alerted and handles any criticism in the message.
            context["complaint"] = False
        verdict = guard.check(reply.text, comment=text, comment_triage=context, rewrite=False,
                              prepared=_prepared(reply.id, reply.version, reply.text))
        if not verdict.ok:
            # A library reply that fails the guard is a bug in the library: never send it, get a person.
            result.guard_ok = False
            result.guard_violations = [v.to_dict() for v in verdict.violations]
            result.needs_human = True
            reply = None
    result.reply = reply
    return result


@lru_cache(maxsize=256)
def _prepared(reply_id: str, version: int, text: str) -> "guard.Prepared":
    """The guard's reply-only work on one library reply, done once per reply version (the library's texts are
    fixed; only the comment changes from message to message). The verdict is the same as a full check: the
    comment-dependent rules still run on every message, and a reply that fails is still never sent."""
    return guard.prepare(text)


def validate_check_item(obj: Any) -> tuple[str, str | None]:
    """(reply, comment) of one item to check, or InputError saying what is wrong."""
    if not isinstance(obj, dict):
        raise InputError("each item must be a JSON object like {\"id\": 1, \"reply\": \"...\"}")
    reply, comment = obj.get("reply"), obj.get("comment")
    if not isinstance(reply, str) or not reply.strip():
        raise InputError("'reply' is missing or empty")
    if comment is not None and not isinstance(comment, str):
        raise InputError("'comment' must be text")
    for name, value in (("reply", reply), ("comment", comment or "")):
        if len(value) > MAX_TEXT:
            raise InputError(f"'{name}' is {len(value):,} characters; the limit is {MAX_TEXT:,}")
    return reply, (comment or None)


def parse_line(raw: bytes) -> dict:
    """A JSON object from one raw input line, or InputError."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the line is not UTF-8 text (binary data?)")
    if "\x00" in line:
        raise InputError("the line contains binary data (NUL bytes)")
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg} at column {exc.colno})")


class TriageService:
    """A loaded Rasa model plus the decision and reply steps. Load once, triage many."""

    def __init__(self, agent):
        self.agent = agent
        self._local = threading.local()  # one event loop per thread for run()

    @classmethod
    def load(cls, model_path: str | Path | None = None) -> "TriageService":
        from rasa.core.agent import Agent

        from bot.training import current_model

        path = Path(model_path) if model_path else current_model()
        if path is None or not Path(path).exists():
            raise SystemExit("No trained model matches the data. Run `sendiass train` first (the run command does it for you).")
        return cls(Agent.load(str(path)))

    async def parse(self, text: str) -> dict:
        return await self.agent.parse_message(text)

    async def triage(self, text: str, channel: str = "public_comment") -> Triage:
        return decide(text, await self.parse(text), channel)

    async def triage_item(self, obj: Any) -> dict:
        """One contract-shaped output object for one input object (errors included)."""
        item_id = obj.get("id") if isinstance(obj, dict) else None
        try:
            item_id, text, channel = validate_item(obj)
        except InputError as exc:
            return {"id": item_id, "error": str(exc)}
        return (await self.triage(text, channel)).to_dict(item_id)

    async def check(self, reply: str, comment: str | None = None) -> "guard.Verdict":
        """The policy guard, with the comment triaged by the assistant when there is one."""
        triage = (await self.triage(comment)).comment_triage() if comment else None
        return guard.check(reply, comment=comment, comment_triage=triage)

    def triage_blocking(self, text: str, channel: str = "public_comment") -> Triage:
        """triage() for a worker thread (the HTTP server runs CPU work off its event loop): Rasa's parse
        never waits on anything, so a loop of this thread's own runs it."""
        return self.run(self.triage(text, channel))

    def check_blocking(self, reply: str, comment: str | None = None) -> "guard.Verdict":
        return self.run(self.check(reply, comment))

    def run(self, coro):
        """Run a coroutine on this service's own event loop (batch use, outside a server)."""
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = asyncio.new_event_loop()
        return loop.run_until_complete(coro)


def iter_lines(stream) -> Iterable[tuple[int, bytes]]:
    for n, raw in enumerate(stream, 1):
        raw = raw.rstrip(b"\r\n")
        if raw.strip():
            yield n, raw


def triage_stream(service: TriageService, stream, out, on_item=None) -> tuple[int, int, float]:
    """Triage JSON lines from a binary stream into `out`; returns (items, errors, seconds in triage)."""
    items = errors = 0
    spent = 0.0
    for n, raw in iter_lines(stream):
        items += 1
        try:
            obj = parse_line(raw)
        except InputError as exc:
            result = {"id": None, "error": f"line {n}: {exc}"}
        else:
            t0 = time.perf_counter()
            result = service.run(service.triage_item(obj))
            spent += time.perf_counter() - t0
        if "error" in result:
            errors += 1
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
        if on_item:
            on_item(result)
    return items, errors, spent
