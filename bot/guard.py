"""The policy guard: every outgoing text is held to SENDIASS Leicester's social media policy.

`check(reply, comment, comment_triage)` returns a `Verdict`: the violations found (each a `Finding`
with the rule, the policy sentence it enforces (`CLAUSES`, quoted verbatim from the policy), the exact
span of the reply that breaks it (``reply[start:end] == evidence``) and a one-sentence message for a
volunteer) and, unless ``rewrite=False``, a corrected reply.

Rules (one check function each, gathered in the ``CHECKS`` registry, in ``RULES`` order):

personal_data        the reply repeats or adds personal data: every "disclosure" the project's detector
                     (``bot.detector.detect``) finds in the reply (minus case details in the service's own
                     voice, "Our tribunal factsheet", and outcomes talked about, "make sure she gets an
                     EHCP"), other phone numbers / e-mails, a title and surname ("Mrs Begum") or a
                     relative's name ("your son Yusuf"), the person's own case or diagnosis ("your son's
                     EHCP", "your son has autism") when the comment is a disclosure, and anything echoed
                     from the comment: capitalised words inside the comment's detection spans (names,
                     schools), the comment's other capitalised names when it is a disclosure, words it
                     wrote in lower case that the reply capitalises ("at thornbridge" -> "Thornbridge"),
                     its phone numbers / e-mails, the child's age or school year ("my son is 11" -> "your
                     11 year old"), its diagnoses named back (two or more, or one said about the person).
                     The service's own contact details and signposting numbers (service.yml) are fine.
promise              commitments and guarantees ("we'll make sure", "guaranteed", "an adviser will ring
                     you tomorrow", "you'll definitely get an EHCP"); acting for the family ("we'll chase
                     the school", "we'll sort it for you", "on your behalf"); a named person or "she"
                     calling by a set time or "without fail"; predicted wins and certainties ("you'll win",
                     "it's a formality", "he'll be fine", "no question"); track records ("we've never lost
                     an appeal"); "Yes, they will" to a "will they...?" question. Soft offers the service
                     really makes ("we can offer...", "we'll reply as soon as we can", "we'll make sure the
                     team sees this") and negated forms ("we can't promise") are fine.
partiality           taking sides for or against the council, a school, a family member, a party, a
                     policy or a company: a verdict on another party's conduct or motives in a sentence
                     that names one (strong words like "couldn't care less", "above the law", "out of his
                     depth" beside any party, "they", "he" or "she"; weaker ones like "awful", "brilliant",
                     "embarrassing" only when said of a named organisation, policy or relative);
                     accusations ("they're in breach of the Code"); stereotypes ("heads always think they
                     know best"); ranking schools or choices; urging a fight; telling the person to
                     disregard the other parent; political opinions, campaigning and opinion markers
                     ("off the record", "frankly"); with the comment: an opinion given when one is asked
                     for, agreement with an attack on another party ("They really are"), joining a
                     campaign; product or shop endorsements. Refusals ("we can't say which party is
                     best"), neutral process words ("appeal against the decision"), sympathy ("that
                     sounds awful for him") and general statements of the law are fine.
offensive            profanity from better_profanity's maintained list (indexed per token, leetspeak
                     variants included, with ``PROFANITY_WHITELIST`` for words that are normal in SEND,
                     health, safeguarding, RSE and childcare talk), masked swearing, disability slurs and
                     insults, name-calling ("you sad little troll", "Dr Google"), retorts ("right back at
                     you"), rude / impatient / sarcastic phrases ("as it says on literally every post",
                     "read before asking", "a bit of patience would be nice", "Next."), condescension
                     ("how many times do we have to say", "not hard to find", "we're not mind readers"),
                     deriding what the person wrote ("it was rubbish"), shouting in capitals.
missing_redirect     the comment is a disclosure (``disclosure`` or route redirect_private/safeguarding)
                     and the reply gives neither the service's phone number (any spacing) nor its e-mail:
                     evidence is the whole reply. Also, whatever the comment, a reply that invites
                     personal details in public ("post your details below", "which school is he at?"):
                     evidence is the invitation.
complaint_not_routed the comment is a complaint about the service (``complaint``, route complaint, or plain
                     cues in the comment, below) and the reply does not point to the feedback/complaints
                     procedure (evidence: the whole reply); or, whatever the comment, a reply that argues,
                     defends the service ("our advice was correct", "checked by experts", "we don't
                     agree"), blames the person ("you may have misread", "next time check our page") or
                     dismisses; excuses and minimising ("we handle thousands of calls", "please be
                     patient", "must be your browser") count when the reply doesn't also give the route.
out_of_expertise     medicine doses and medication advice, remedies ("a few drops a day", "works wonders"),
                     claims about a condition's cause or reality, diagnosing ("sounds exactly like ADHD"),
                     with a medical comment any advice that names no health professional ("try moving it
                     to 6pm") or a claim even beside one ("she probably needs grommets"); litigation,
                     legal-representation and legal-claim advice (recommending a firm, "take the
                     settlement", "that's assault", court orders); benefit and immigration decisions,
                     sums and back-dating; other organisations' decisions. Signposting ("please speak to
                     your GP") and refusals ("we can't advise on medication") are fine.

The comment. With ``comment_triage`` (the core assistant's triage: route, disclosure, complaint,
detections with offsets into ``comment``), its flags and detection spans are trusted (a detection
without a "category" counts as a disclosure). With a comment but no triage, the deterministic detector
decides: the comment is a disclosure when it finds a "disclosure" in it, and its spans are used, and a
comment with plain cues of criticism of the service itself (``comment_criticises_service``: an
unanswered call or message, a long wait, "your website's down", "your advice was rubbish", "why did you
delete my comment") counts as a complaint. The triage uses the same cues (bot/triage.py), so a given
triage already includes them, and its word wins: the safeguarding signposting, for one, is never held
back for want of the complaints procedure. A cue in a sentence about a third party ("the school never
rang back", "the council are useless") does not count. With no comment, only the checks that
do not depend on it run.

Detector findings in replies: the detector is written for incoming comments, so a one-word "name" it
finds in a reply is ignored when it is plainly not a name (a contraction like "We'd", common words
like "Nurseries", the last word of a longer proper noun like "Disability Living Allowance", or a
signposting organisation like "Contact"); a case-detail span anchored on such a word is ignored too.

Cost: linear in the length of the reply and the comment, whatever they hold (issue 10). A check made per
match reads a bounded window before it (``Context.before_has``, ``_negation_before``) or is answered once per
sentence (``Context.sentence_has``); the dedupe is one sweep; e-mail addresses, the comment's names in the
reply and sentence starts are found in one pass. What a rule finds in the reply alone is computed once per
reply (``Context.reply_only``): ``prepare(reply)`` does it ahead for a library reply checked against many
comments, and ``check(..., prepared=...)`` then runs only the comment-dependent parts; the verdict is the same.

Rewrite: sentences with partiality, offensive, out-of-expertise, arguing or invitation findings are
dropped; a sentence with a promise is replaced (once) by the approved softened promise; a name right
after a greeting ("Hi Sarah,") is cut, other personal data drops its sentence; then the approved
sentences that are missing are added from the reply library (``bot.replies.snippet``): out of
expertise, redirect, complaints route, and the generic opening when nothing of the draft is left.
The suggestion is checked again (``rewrite=False``); when it would still fail, or when nothing of the
draft can be kept (an abusive draft, or one whose every sentence had to go and nothing approved replaces it), ``suggestion`` is None and
``note`` says why.
"""
from __future__ import annotations

import os
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

from better_profanity import profanity

from bot.detector import detect
from bot.profile import load_profile

RULES: tuple[str, ...] = (
    "personal_data", "promise", "partiality", "offensive", "missing_redirect", "complaint_not_routed",
    "out_of_expertise",
)

# The exact policy sentence each rule enforces, quoted verbatim from shared/policy/social-media-policy.txt.
CLAUSES: dict[str, str] = {
    "personal_data": "Follow our Confidentiality Policy and Data Protection Policy and observe the laws on "
                     "copyright, plagiarism and fair use",
    "promise": "They should be extra careful when making declarations or promises towards service users, "
               "partners or funders.",
    "partiality": "There should be no bias or influence by any particular organisation, party, point of view "
                  "or policy",
    "offensive": "Never post discriminatory, offensive or libellous content and commentary",
    "missing_redirect": "Although we are a confidential information, advice and support service, nothing you "
                        "say on this page is confidential as it is a social media platform.",
    "complaint_not_routed": "Try to avoid deleting or ignoring comments for no reason you should listen and "
                            "reply to criticism, or direct them to our feedback/complaints procedure",
    "out_of_expertise": "Avoid speaking on matters outside their field of expertise when possible.",
}

DISCLOSURE_ROUTES = frozenset({"redirect_private", "safeguarding"})


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    rule: str
    clause: str
    start: int
    end: int
    evidence: str  # == reply[start:end]
    message: str  # one plain sentence a volunteer understands

    def to_dict(self) -> dict:
        return {"rule": self.rule, "clause": self.clause, "start": self.start, "end": self.end,
                "evidence": self.evidence, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    violations: tuple[Finding, ...]
    suggestion: str | None
    note: str | None = None  # why there is no safe rewrite, when there is none

    def to_dict(self) -> dict:
        out = {"ok": self.ok, "violations": [v.to_dict() for v in self.violations],
               "suggestion": self.suggestion}
        if self.note:
            out["note"] = self.note
        return out


# --------------------------------------------------------------------------------------------------
# Context shared by the checks
# --------------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, surrounding whitespace excluded."""
    spans, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


@dataclass
class Context:
    reply: str
    comment: str | None
    disclosure: bool
    complaint: bool
    comment_spans: tuple[tuple[int, int], ...]  # personal-detail spans in the comment
    sentences: list[tuple[int, int]]
    lowered: str | None = None  # the reply lower-cased, same offsets (see _scan)

    def __post_init__(self):
        # "İ" is the one character whose lower case is two characters; ``re`` matches it as "i" when
        # ignoring case, so writing "i" for it keeps every offset and every match of the twins.
        self.lowered = self.reply.replace("\u0130", "i").lower()
        self._starts = [s for s, _ in self.sentences]
        self._memo: dict = {}  # per-sentence answers (see sentence_has, first_end)
        self.parts: dict = {}  # what the rules find in the reply alone (see reply_only, prepare)

    def reply_only(self, key: str, compute: Callable[["Context"], tuple]) -> tuple:
        """The part of a rule that reads the reply alone, computed once per reply: ``prepare`` fills these in
        ahead for a library reply that is checked against many comments."""
        part = self.parts.get(key)
        if part is None:
            part = self.parts[key] = compute(self)
        return part

    def sentence_of(self, pos: int) -> tuple[int, int]:
        """The sentence holding ``pos``, or the whole reply when ``pos`` falls between sentences. A binary
        search: asked once per match, a scan of the sentences made long replies quadratic."""
        i = bisect_right(self._starts, pos) - 1
        if i >= 0 and pos < self.sentences[i][1]:
            return self.sentences[i]
        return 0, len(self.reply)

    def sentence_text(self, pos: int) -> str:
        s, e = self.sentence_of(pos)
        return self.reply[s:e]

    def before_in_sentence(self, pos: int) -> str:
        s, _ = self.sentence_of(pos)
        return self.reply[s:pos]

    def sentence_has(self, rx: re.Pattern, pos: int) -> bool:
        """``rx.search(self.sentence_text(pos))``, asked once per sentence and remembered."""
        s, e = self.sentence_of(pos)
        key = ("has", id(rx), s, e)
        if key not in self._memo:
            self._memo[key] = rx.search(self.reply[s:e]) is not None
        return self._memo[key]

    def before_has(self, rx: re.Pattern, pos: int, reach: int) -> bool:
        """``rx.search(self.before_in_sentence(pos))`` for a pattern anchored at the end (``...$``) whose
        matches start at most ``reach`` characters before it: only that window is searched."""
        s, _ = self.sentence_of(pos)
        if pos - reach <= s:
            return rx.search(self.reply, s, pos) is not None
        return rx.search(self.reply, pos - reach, pos) is not None


def _finding(ctx: Context, rule: str, start: int, end: int, message: str) -> Finding:
    return Finding(rule=rule, clause=CLAUSES[rule], start=start, end=end, evidence=ctx.reply[start:end],
                   message=message)


def _rx(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern:
    return re.compile(pattern, flags)


Patterns = list[tuple[re.Pattern, str]]


# Speed: a case-insensitive pattern runs several times slower in ``re`` than a case-sensitive one, so _scan runs a
# lower-cased twin of each IGNORECASE pattern over the lower-cased reply (same offsets: only used when lower-casing
# keeps the length). Patterns with case-sensitive parts ("(?-i:...)") or named groups keep running as written.
_ESCAPE = re.compile(r"\\(?:U[0-9A-Fa-f]{8}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|N\{[^}]*\}|.)", re.DOTALL)
_LOWER_TWINS: dict[int, tuple[re.Pattern, re.Pattern | None]] = {}  # id(pattern) -> (pattern, twin)


def _lower_twin(rx: re.Pattern) -> re.Pattern | None:
    known = _LOWER_TWINS.get(id(rx))  # by id: hashing a Pattern hashes its (long) source every time
    if known is not None and known[0] is rx:
        return known[1]
    twin = None
    if rx.flags & re.IGNORECASE and "(?-i" not in rx.pattern and "(?P" not in rx.pattern:
        parts, pos = [], 0
        for m in _ESCAPE.finditer(rx.pattern):
            parts.append(rx.pattern[pos:m.start()].lower())
            parts.append(m.group(0))  # escapes (\B, \S, \U0001F644...) keep their case
            pos = m.end()
        parts.append(rx.pattern[pos:].lower())
        try:
            twin = re.compile("".join(parts), rx.flags & ~re.IGNORECASE)
        except re.error:
            twin = None
    _LOWER_TWINS[id(rx)] = (rx, twin)
    return twin


def _finditer(ctx: Context, rx: re.Pattern, start: int = 0, end: int | None = None) -> Iterable[re.Match]:
    """``rx.finditer(ctx.reply[start:end])`` (offsets relative to ``start``), through the lower-cased twin when
    there is one."""
    end = len(ctx.reply) if end is None else end
    twin = _lower_twin(rx) if ctx.lowered is not None else None
    if twin is not None:
        return twin.finditer(ctx.lowered[start:end])
    return rx.finditer(ctx.reply[start:end])


def _scan(ctx: Context, rule: str, patterns: Patterns,
          skip: Callable[[Context, re.Match], bool] | None = None) -> list[Finding]:
    found = []
    lowered = ctx.lowered
    for rx, message in patterns:
        twin = _lower_twin(rx) if lowered is not None else None
        for m in (twin.finditer(lowered) if twin is not None else rx.finditer(ctx.reply)):
            start, end = m.start(), m.end()
            while start < end and ctx.reply[start].isspace():
                start += 1
            while end > start and ctx.reply[end - 1].isspace():
                end -= 1
            if end == start or (skip and skip(ctx, m)):
                continue
            found.append(_finding(ctx, rule, start, end, message))
    return found


_NEGATION_BEFORE = _rx(r"(?:\b(?:not|never|no|cannot|unable to|without|before|whether)\b|n['\u2019]t\b)[^.!?]{0,30}$")


_NOT_A_NEGATION = _rx(r"\b(?:don['\u2019]?t|do not|never) (?:worry|fret|panic)\b|\bno (?:worries|problem)\b|"
                      r"\bnot to worry\b|\bno doubt\b|^\s*(?:oh\s+)?no(?:\s+way)?\s*[,!.]")


_NOT_A_NEGATION_HEAD = _rx(r"\s*(?:oh\s+)?no(?:\s+way)?\s*[,!.]")  # the "^..." branch, matched at the sentence start


def _negated(ctx: Context, m: re.Match) -> bool:
    """The match sits in a negated or conditional clause ("we can't promise", "before you stop")."""
    return _negation_before(ctx, m.start())


def _negation_before(ctx: Context, pos: int) -> bool:
    """``_NEGATION_BEFORE`` in the sentence before ``pos`` once the phrases that only look negative ("don't
    worry", "no problem": ``_NOT_A_NEGATION``) are blanked out.

    A negation word counts only within 30 characters of ``pos``, so only the end of the sentence before
    ``pos`` is read: a window long enough that, after blanking, more than 100 characters are left (the
    phrases are short, so what happens at the window's edge cannot reach the end). Reading the whole
    sentence once per match made long sentences quadratic."""
    reply = ctx.reply
    s, _ = ctx.sentence_of(pos)
    reach = 240
    while pos - reach > s:
        lo = pos - reach
        head_key = ("negation-head", s)
        if head_key not in ctx._memo:  # the "^..." branch of _NOT_A_NEGATION, only at the sentence start
            head = _NOT_A_NEGATION_HEAD.match(reply, s)
            ctx._memo[head_key] = head.end() if head else s
        lo = max(lo, ctx._memo[head_key])
        parts, last = [], lo
        for b in _NOT_A_NEGATION.finditer(reply, lo, pos):
            parts.append(reply[last:b.start()])
            parts.append(" ")
            last = b.end()
        parts.append(reply[last:pos])
        window = "".join(parts)
        if len(window) > 100:
            return bool(_NEGATION_BEFORE.search(window))
        if lo == ctx._memo[head_key]:
            return bool(_NEGATION_BEFORE.search(" " + window))
        reach *= 4
    return bool(_NEGATION_BEFORE.search(_NOT_A_NEGATION.sub(" ", reply[s:pos])))


# --------------------------------------------------------------------------------------------------
# Shared vocabulary
# --------------------------------------------------------------------------------------------------

_CONDITIONS = (r"(?:ADHD|ADD|autism|autistic|ASD|ASC|PDA|dyslexi[ac]|dyspraxi[ac]|dyscalculia|OCD|ODD|Tourette'?s|"
               r"tics|epilepsy|GDD|global developmental delay|a learning disability|learning difficulties|FASD|"
               r"selective mutism|sensory processing disorder|SPD|anxiety|depression|bipolar|attachment disorder|"
               r"hypermobility|EDS|cerebral palsy|Asperger'?s|APD|auditory processing disorder|DLD|developmental "
               r"language disorder|on the spectrum|neurodivergent|dyslexia|a speech disorder|sensory issues|"
               r"an eating disorder|ARFID|CP|Down'?s? syndrome)")
_KID = (r"(?:son|daughter|child|kid|little one|boy|girl|grandson|granddaughter|twins?|step-?(?:son|daughter)|"
        r"nephew|niece|teenager|young person|lad|baby|toddler)")
_CASE_WORDS = (r"(?:" + _CONDITIONS + r"|an? EHCP|the EHCP|EHCP|EHC plan|excluded|exclusion|annual review|tribunal|"
               r"out of school|reduced timetable|part[- ]time timetable|diagnos\w+|needs assessment|assessment|"
               r"school refus\w+|SEN support|placement|transport|1:1|one[- ]to[- ]one|medication|IEP|provision|"
               r"social worker|CAMHS|referral|statement|support plan)")


# --------------------------------------------------------------------------------------------------
# Profile-derived patterns (official contact details, complaints route)
# --------------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _official(phone: str, email: str, feedback_url: str, feedback_procedure: str, digits: frozenset):
    """Regexes for the service's own phone number / e-mail / complaints route (spacing tolerated)."""
    d = re.sub(r"\D", "", phone)
    sep = r"[\s\-.()]*"
    national = d[1:] if d.startswith("0") else d
    phone_rx = re.compile(
        r"(?<!\d)(?:(?:\+|00)\s*44" + sep + r"(?:\(0\))?" + sep + r"|0" + sep + r")"
        + sep.join(re.escape(c) for c in national) + r"(?!\d)")
    email_rx = re.compile(re.escape(email), re.IGNORECASE)
    url_core = re.sub(r"^https?://(?:www\.)?", "", feedback_url).rstrip("/")
    route_rx = re.compile(
        r"\bfeedback\s*(?:and|&|/|or)\s*complaints?\b"
        r"|\b(?:complaints?|feedback)\s+(?:procedure|process|policy|form|page|system)\b"
        r"|\b(?:make|raise|submit|lodge|file|log|put in)\s+an?\s+(?:formal\s+)?complaint\b"
        r"|\bformal complaint\b"
        + (r"|" + re.escape(url_core) if url_core else "")
        + (r"|" + re.escape(feedback_procedure) if feedback_procedure else ""),
        re.IGNORECASE)
    return phone_rx, email_rx, route_rx, digits


def _profile():
    """The service profile, memoised on SENDIASS_PROFILE (``load_profile`` is itself cached per path, but building
    the path costs more than the guard's cheaper checks)."""
    key = os.environ.get("SENDIASS_PROFILE")
    memo = _PROFILE_MEMO.get(key)
    if memo is None:
        memo = _PROFILE_MEMO[key] = load_profile()
    return memo


_PROFILE_MEMO: dict = {}


def _profile_rx():
    p = _profile()
    return _official(p.phone, p.email, p.feedback_url, p.feedback_procedure, p.official_phone_digits)


def _is_official_contact(text: str) -> bool:
    phone_rx, email_rx, _, digits = _profile_rx()
    t = text.strip()
    if email_rx.fullmatch(t) or phone_rx.fullmatch(t):
        return True
    only = re.sub(r"\D", "", t)
    if only.startswith("44"):
        only = "0" + only[2:]
    return bool(only) and (only in digits or only.lstrip("0") in {x.lstrip("0") for x in digits}) \
        and not re.search(r"[A-Za-z]", t)


# --------------------------------------------------------------------------------------------------
# personal_data
# --------------------------------------------------------------------------------------------------

_PHONE_RX = re.compile(r"(?<![\w+])(?:\+\s*44\s*(?:\(0\)\s*)?|0)\d(?:[\s\-.]?\d){7,11}(?!\d)")
_EMAIL_RX = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # what _email_spans finds, without its cost
_EMAIL_LOCAL_RUN = re.compile(r"[\w.+-]+")
_EMAIL_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)+")


def _email_spans(text: str) -> list[tuple[int, int]]:
    """The spans ``_EMAIL_RX.finditer(text)`` finds, in one pass. The regex has no left anchor, so on a long
    run of letters or digits it starts at every character and scans to the run's end each time (quadratic);
    but every start inside one run reaches the same "@", so the match is the run (from where the last match
    ended) followed by "@" and a domain."""
    if "@" not in text:
        return []
    out: list[tuple[int, int]] = []
    last = 0
    for run in _EMAIL_LOCAL_RUN.finditer(text):
        r0, r1 = run.span()
        if r1 <= last or not text.startswith("@", r1):
            continue
        domain = _EMAIL_DOMAIN.match(text, r1)
        if domain is not None:
            out.append((max(r0, last), domain.end()))
            last = domain.end()
    return out
_CAP_WORD = re.compile(r"\b[A-Z][a-zA-Z'\u2019-]*[a-zA-Z]\b|\b[A-Z]\b")
_AGE_RX = _rx(
    r"\b(\d{1,2})\s*[- ]?\s*(?:years?|yrs?|y)\s*[- ]?\s*olds?\b|\b(\d{1,2})\s*(?:yo|y/o)\b"
    r"|\baged?\s+(\d{1,2})\b|\b(?:school\s+)?year\s+(\d{1,2}|R)\b|\b(\d{1,2})(?:st|nd|rd|th)?\s+birthday\b")
_AGE_IS_RX = _rx(r"\b(?:is|is now|was|turned|just turned|turns|who's|who is|he's|she's|they're|i'm|im|I am|aged)\s+"
                 r"(\d{1,2})\b(?!\s*(?:weeks?|days?|months?|times?|hours?|minutes?|mins?|%|pm|am|\.\d|:\d|/|th|st|nd|rd))")
_POSSESSED_DIAGNOSIS = _rx(
    r"\b(?:your|his|her|their)\s+(?:(?:son|daughter|child|kid|little one|boy|girl|grandson|granddaughter|"
    r"twins?|step-?(?:son|daughter)|nephew|niece)(?:'s|\u2019s|s')\s+)?"
    r"(?:diagnosis|ADHD|autism|ASD|ASC|PDA|dyslexia|dyspraxia|epilepsy|GDD|global developmental delay|"
    r"Down'?s? syndrome|cerebral palsy|anxiety|OCD|learning disability|condition|EHCP|EHC plan|annual review|"
    r"exclusion|tribunal|appeal|case|needs assessment)\b"
    r"|\b(?:your|his|her|their)\s+" + _KID + r"\s+(?:has|is|was|with|has got|has been|had|being|gets|got)\b"
    r"[^.!?]{0,40}?\b" + _CASE_WORDS + r"\b")

# Capitalised words that are never personal on their own (sentence starters, SEND vocabulary, calendar).
_COMMON_CAPS = frozenset("""
a an the i i'm i've i'd i'll im my me we we're we've our us you your you're he she it they them their his her
hi hello hey dear thanks thank please yes no ok okay oh so but and or if when what why how who where which
this that these those there here is are was were be been has have had do does did can could would should will
shall may might must just also still now then today tomorrow yesterday recently last next after before since
mum mam mom dad mummy daddy son daughter child children kid kids parent parents carer carers family school
nursery college academy primary secondary infant infants junior juniors high grammar special year reception
sixth form mr mrs miss ms dr sir madam
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december christmas easter
ehcp ehc ehcps sen send senco sendco sendiass iass ias la las lea nhs gp camhs salt ot ta tas ipsea sena
ofsted dfe dla pip uc esa sen-support ep asd asc adhd add pda ocd odd gdd dld apd spd fasd ld pmld sld mld
local offer council city county authority tribunal plan plans annual review england uk british english maths
facebook twitter youtube instagram tiktok whatsapp messenger x
""".split())


def _comment_detections(comment: str, triage: dict | None) -> list[tuple[int, int]]:
    if triage is not None:
        spans = []
        for d in triage.get("detections") or ():
            try:
                s, e = int(d["start"]), int(d["end"])
            except (KeyError, TypeError, ValueError):
                continue
            if d.get("category", "disclosure") in (None, "disclosure") and 0 <= s < e <= len(comment):
                spans.append((s, e))
        return spans
    return [(d.start, d.end) for d in detect(comment) if d.category == "disclosure"]


def _own_name_words() -> frozenset[str]:
    """The service's own name and accounts, without its area ("Leicester" may well mean the council)."""
    p = _profile()
    area = _words_of((p.area, p.local_authority))
    return _words_of((p.name, p.short_name, *p.social_accounts)) - area


def _service_words() -> frozenset[str]:
    """Words of the service's own name, area and accounts (never personal data)."""
    p = _profile()
    return _words_of((p.name, p.short_name, p.area, p.local_authority, *p.social_accounts))


@lru_cache(maxsize=8)
def _words_of(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.lower() for text in texts for w in re.findall(r"[A-Za-z']+", text))


_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|\W[\"'(]\s*)$")  # as _at_sentence_start reads it


def _at_sentence_start(text: str, pos: int) -> bool:
    """``_SENTENCE_START.search(text, 0, pos)``: ``pos`` opens a sentence (after ".", "!", "?", ":", ";", a line
    break, or an opening quote or bracket, then spaces). Reads back over the spaces only: the regex, anchored at
    the end, is tried from every earlier position, which made one call per capitalised word quadratic."""
    if pos == 0:
        return True
    q = pos
    while q > 0 and text[q - 1].isspace():
        if text[q - 1] == "\n":
            return True
        q -= 1
    if q == 0:
        return False
    c = text[q - 1]
    if c in ".!?:;":
        return True
    return c in "\"'(" and q >= 2 and not _WORD_CHAR.match(text, q - 2)


_WORD_CHAR = re.compile(r"\w")
_CONDITION_WORD = _rx(_CONDITIONS + r"(?:'s)?")


def _comment_personal_terms(ctx: Context) -> tuple[set[str], set[str], set[str], set[str]]:
    """(capitalised words, phone digit strings, e-mails, ages/years) personal to the comment."""
    comment = ctx.comment or ""
    words, phones, emails, ages = set(), set(), set(), set()
    if not comment:
        return words, phones, emails, ages
    service = _service_words()

    merged: list[list[int]] = []  # the comment's spans merged, sorted: an overlap test is one binary search
    for a, b in sorted(ctx.comment_spans):
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    merged_starts = [a for a, _ in merged]

    def in_spans(s: int, e: int) -> bool:
        i = bisect_left(merged_starts, e) - 1  # the last span starting before e
        return i >= 0 and merged[i][1] > s

    for m in _CAP_WORD.finditer(comment):
        w = re.sub(r"['\u2019]s?$", "", m.group(0))
        if w.lower() in _COMMON_CAPS or w.lower() in service or len(w) < 2 or w.isupper() and len(w) <= 5 \
                or _CONDITION_WORD.fullmatch(w):
            continue
        if in_spans(m.start(), m.end()):
            words.add(w)
        elif ctx.disclosure and not _at_sentence_start(comment, m.start()):
            words.add(w)  # a capitalised word inside a sentence of a disclosure: a name or a place
    for m in _PHONE_RX.finditer(comment):
        if not _is_official_contact(m.group(0)):
            phones.add(re.sub(r"\D", "", m.group(0))[-9:])
    for a, b in _email_spans(comment):
        if not _is_official_contact(comment[a:b]):
            emails.add(comment[a:b].lower())
    for m in _AGE_RX.finditer(comment):
        if ctx.disclosure or in_spans(m.start(), m.end()):
            ages.add(next(g for g in m.groups() if g).upper())
    if ctx.disclosure:
        for m in _AGE_IS_RX.finditer(comment):  # "my daughter is 13", "he's just turned 9"
            ages.add(m.group(1))
    return words, phones, emails, ages


# Nouns that open general sentences in replies ("Schools must...", "Parents can...") and are never names.
_GENERIC_OPENERS = frozenset("""
schools nurseries colleges academies settings parents carers families children pupils students teachers
councils authorities everyone anyone someone nobody many most some all every each young people kids
disabled reasonable adjustments plans reviews appeals assessments advisers advisors our your their
""".split())
_NAME_TYPES = ("name",)  # detection types whose evidence is a name (child_name, person_name, ...)
_CONTRACTION = re.compile(r"^[A-Za-z]+['\u2019](?:d|ll|ve|re|m|t)$")


_TITLE_WORD_BEFORE = re.compile(r"(?<![.!?]\s)(?<!^)\b(?!(?:Hi|Hello|Hey|Dear|Thanks|Thank|Morning)\b)[A-Z][\w'-]+\s+(?:(?:of|and|for|the|on|in|&)\s+)?$")


def _implausible_name(reply: str, start: int, word: str) -> bool:
    """A name detection in a reply that is really a common word ("We'd", "Nurseries") or the last word of a
    longer proper noun ("Disability Living Allowance")."""
    w = word.strip()
    lw = re.sub(r"['\u2019]s$", "", w.lower())
    if _CONTRACTION.match(w) or lw in _COMMON_CAPS or lw in _GENERIC_OPENERS or w in _SIGNPOST_ORGS:
        return True
    return bool(_TITLE_WORD_BEFORE.search(reply, max(0, start - 30), start))


def _reply_disclosures(reply: str) -> list:
    """The detector's disclosure findings in the reply, minus names that are really common words."""
    out, bogus = [], set()
    detections = [d for d in detect(reply) if d.category == "disclosure"]
    for d in detections:
        if any(t in d.type for t in _NAME_TYPES) and " " not in d.text.strip() \
                and _implausible_name(reply, d.start, d.text):
            bogus.add(d)
    bogus_starts = {b.start for b in bogus}
    for d in detections:
        if d in bogus or d.start in bogus_starts:
            continue  # a case-detail span anchored on a bogus name is bogus too
        if _is_official_contact(reply[d.start:d.end]):
            continue
        if _SERVICE_VOICE.match(d.text):
            continue  # "Our tribunal factsheet": in a reply "our" / "we" is the service, not a family
        if _PRONOUN_START.match(d.text) and _PROSPECTIVE_BEFORE.search(reply, max(0, d.start - 40), d.start):
            continue  # "...make sure she gets an EHCP": an outcome talked about, not a detail of the case
        out.append(d)
    return out


_SERVICE_VOICE = _rx(r"(?:our|we|we're|we've|us)\b")
_PRONOUN_START = _rx(r"(?:he|she|they|him|her|them)\b")
_PROSPECTIVE_BEFORE = _rx(r"\b(?:make sure|makes sure|ensure|ensuring|help(?:ing)?|so that|until|once|if|when|whether|"
                          r"unless|hope|to check|in case|before)\b[^.!?]{0,20}$")

# Names the reply adds itself: a title and surname ("Mrs Begum") or a relative named ("your son Yusuf").
_TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'\u2019-]+(?:[- ][A-Z][a-z'\u2019-]+)?")
_KIN_NAME = re.compile(r"\b(?:[Yy]our|[Hh]is|[Hh]er|[Tt]heir)\s+(?:little\s+|eldest\s+|youngest\s+|older\s+|younger\s+)?"
                       r"(?:son|daughter|child|boy|girl|lad|grandson|granddaughter|nephew|niece|brother|sister|"
                       r"husband|wife|partner|twins?|step-?(?:son|daughter))[,]?\s+([A-Z][a-z'\u2019-]+)\b")


def _echoed_lowercase_names(ctx: Context, already: set[str]) -> list[Finding]:
    """A name or school the comment wrote in lower case ("my son kai", "at thornbridge") that the reply
    capitalises: any capitalised word inside a sentence of the reply whose lower-case form is a word of the
    comment's personal-detail spans (not common vocabulary, the service or a condition)."""
    comment = ctx.comment or ""
    spans = ((0, len(comment)),) if ctx.disclosure else ctx.comment_spans  # a disclosure: any of its words
    span_words = {w.lower() for a, b in spans for w in re.findall(r"[a-z][a-z'\u2019-]{2,}", comment[a:b])}
    if not span_words:
        return []
    service = _service_words()
    found = []
    done = {w.lower() for w in already}
    for m in _CAP_WORD.finditer(ctx.reply):
        w = re.sub(r"['\u2019]s?$", "", m.group(0))
        lw = w.lower()
        if lw not in span_words or lw in done or lw in _COMMON_CAPS or lw in service or lw in _GENERIC_OPENERS \
                or _CONDITION_WORD.fullmatch(w) or _at_sentence_start(ctx.reply, m.start()):
            continue
        found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                              f"'{w}' comes from the comment's personal details; don't repeat names, schools or "
                              f"places in public."))
    return found


_PERSON_IN_SENTENCE = _rx(r"\b(?:he|she|him|his|her|they|their|your (?:\w+ )?" + _KID + r"|you(?:'re| are)|must be|"
                          r"sounds?|hear|going through)\b")


def _echoed_conditions(ctx: Context) -> list[Finding]:
    """In reply to a disclosure, naming the person's diagnoses back: two or more of the comment's conditions, or
    one said about the person ("...must be hard", "his dyspraxia")."""
    comment_conditions = {m.group(0).lower() for m in _CONDITION_MENTION.finditer(ctx.comment or "")}
    if not comment_conditions:
        return []
    hits = [m for m in _CONDITION_MENTION.finditer(ctx.reply) if m.group(0).lower() in comment_conditions]
    found = []
    distinct = {m.group(0).lower() for m in hits}
    for m in hits:
        if len(distinct) >= 2 or ctx.sentence_has(_PERSON_IN_SENTENCE, m.start()):
            if ctx.before_has(_SIGNPOST_BEFORE, m.start(), 60) \
                    or ctx.before_has(_GENERIC_CONDITION_BEFORE, m.start(), 60):
                continue  # "we don't need a diagnosis of ...", "children with autism": general talk
            found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                                  "This repeats the person's diagnosis in public; keep it general."))
    return found


_CONDITION_MENTION = _rx(r"(?<![\w-])" + _CONDITIONS + r"(?![\w-])")
_GENERIC_CONDITION_BEFORE = _rx(r"\b(?:children|young people|pupils|people|families|kids|anyone|those|including|any|"
                                r"like|such as|about|on|for)\b[^.!?]{0,25}$")
_RANGE_AFTER = re.compile(r"\s*(?:-|\u2013|to)\s*\d")


_OCCURRENCE_START = re.compile(r"(?<![\w'])[A-Z]")


def _occurrences(text: str, words: set[str]) -> list[tuple[str, int, int]]:
    """(word, start, end) of each whole-word occurrence of the comment's capitalised ``words`` in ``text``, as
    ``re.finditer(r"(?<![\\w'])" + re.escape(w) + r"(?![\\w])", text)`` finds them for each word, in one pass
    over the text (one regex per word made a comment full of names cost words x reply length)."""
    lengths: dict[str, list[int]] = {}
    for w in words:
        if w[:1].isupper() and w[:1].isascii():
            lengths.setdefault(w[0], []).append(len(w))
    slow = [w for w in words if not (w[:1].isupper() and w[:1].isascii())]  # never: words start with A-Z
    lengths = {c: sorted(set(ns)) for c, ns in lengths.items()}
    out, last_end = [], {}
    for m in _OCCURRENCE_START.finditer(text):
        p = m.start()
        for n in lengths.get(text[p], ()):
            w = text[p:p + n]
            if len(w) == n and w in words and p >= last_end.get(w, 0) and not _WORD_CHAR.match(text, p + n):
                out.append((w, p, p + n))
                last_end[w] = p + n
    for w in slow:
        out += [(w, m.start(), m.end()) for m in re.finditer(r"(?<![\w'])" + re.escape(w) + r"(?![\w])", text)]
    return out


def _personal_data_reply(ctx: Context) -> tuple:
    reply = ctx.reply
    found: list[Finding] = []
    for d in _reply_disclosures(reply):
        kind = d.type.replace("_", " ")
        found.append(_finding(ctx, "personal_data", d.start, d.end,
                              f"This repeats personal details in public ({kind}); take it out."))
    # Phone numbers and e-mails the detector might not know (never the official ones).
    for m in _PHONE_RX.finditer(reply):
        if not _is_official_contact(m.group(0)):
            found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                                  "This puts a phone number that isn't the service's own in public; take it out."))
    for a, b in _email_spans(reply):
        if not _is_official_contact(reply[a:b]):
            found.append(_finding(ctx, "personal_data", a, b,
                                  "This puts an e-mail address that isn't the service's own in public; take it out."))
    for m in _TITLED_NAME.finditer(reply):
        found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                              "This names a person in public; take the name out."))
    for m in _KIN_NAME.finditer(reply):
        if m.group(1).lower() not in _COMMON_CAPS and m.group(1).lower() not in _GENERIC_OPENERS:
            found.append(_finding(ctx, "personal_data", m.start(1), m.end(1),
                                  "This names the person's child or relative in public; take the name out."))
    possessed = tuple(_finding(ctx, "personal_data", m.start(), m.end(),
                               "This talks about the person's own case or diagnosis in public; keep it general.")
                      for m in _POSSESSED_DIAGNOSIS.finditer(reply))
    return tuple(found), possessed


def check_personal_data(ctx: Context) -> list[Finding]:
    reply = ctx.reply
    own, possessed = ctx.reply_only("personal_data", _personal_data_reply)
    found = list(own)
    if ctx.disclosure:
        found += possessed
    if ctx.comment:
        words, phones, emails, ages = _comment_personal_terms(ctx)
        for w, a, b in _occurrences(reply, words):
            found.append(_finding(ctx, "personal_data", a, b,
                                  f"'{w}' comes from the comment's personal details; don't repeat names, "
                                  f"schools or places in public."))
        found += _echoed_lowercase_names(ctx, words)
        for m in _PHONE_RX.finditer(reply):
            if re.sub(r"\D", "", m.group(0))[-9:] in phones:
                found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                                      "This repeats the person's phone number in public; take it out."))
        for a, b in _email_spans(reply):
            if reply[a:b].lower() in emails:
                found.append(_finding(ctx, "personal_data", a, b,
                                      "This repeats the person's e-mail address in public; take it out."))
        if ctx.disclosure:
            found += _echoed_conditions(ctx)
        if ages:
            for m in _AGE_RX.finditer(reply):
                if _RANGE_AFTER.match(reply, m.end()):
                    continue  # "aged 16-25": the service's remit, not the child's age
                if next(g for g in m.groups() if g).upper() in ages:
                    found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                                          "This repeats the child's age or school year in public; take it out."))
    return found


# --------------------------------------------------------------------------------------------------
# promise
# --------------------------------------------------------------------------------------------------

_WE = r"(?:\bI|\bwe|\bwe(?:'re| are) going to|\bI(?:'m| am) going to)"
_WILL = r"(?:\s*(?:'ll|\u2019ll)|\s+will|\s+shall|\s+are going to|\s+am going to)"
_TIME = (r"(?:today|tonight|this (?:morning|afternoon|evening|week)|tomorrow|first thing|straight away|right away|"
         r"asap|immediately|within \d+\s*(?:hours?|days?|working days?|weeks?)|by (?:monday|tuesday|wednesday|"
         r"thursday|friday|saturday|sunday|the end of)|on (?:monday|tuesday|wednesday|thursday|friday)|"
         r"later today|in the next|within (?:the|an|the next|a|one) (?:hour|day|week|few hours|couple of (?:hours|days))|"
         r"by (?:tonight|this evening|lunchtime|tomorrow|the end of (?:the|this) (?:day|week))|this side of the weekend)")
_OUTCOME = (r"(?:an? EHCP|an? EHC plan|the EHCP|a plan|a place|the place|the school you want|funding|transport|"
            r"1:1|one[- ]to[- ]one|a support worker|an assessment|the assessment|the support (?:he|she|they|you) "
            r"need|what (?:he|she|they|you) need|the result|the outcome|your appeal|the appeal|the tribunal|"
            r"compensation|a diagnosis|an apology)")

_STAFF = (r"(?:(?:one of )?our (?:advisers|advisors|caseworkers|officers|volunteers|team)|an? (?:adviser|advisor|caseworker|case worker|officer|volunteer|team member|member of (?:the|our) "
          r"team)|our (?:adviser|advisor|team|caseworker|officer|manager)s?|one of (?:us|our (?:team|advisers|advisors)))")

_PROMISE: Patterns = [
    (_rx(r"\b(?:I|we)\s+(?:can\s+)?promise\b|\bpromise(?:d)?\s+(?:you|that)\b|\bI give you my word\b|"
         r"\byou have my word\b|\brest assured\b|\b(?:I|we) (?:can )?assure you\b"),
     "This makes a promise; say what the service can offer instead."),
    (_rx(r"\bguarantee(?:d|s)?\b|\b100\s?% (?:sure|certain|guaranteed)\b"),
     "This guarantees an outcome the service can't control; say what the service can offer instead."),
    (_rx(_WE + _WILL + r"\s+(?:definitely\s+|personally\s+|absolutely\s+)?(?:make sure|ensure|see to it|sort (?:this|it|that|everything)\b|"
         r"get (?:this|it|that|everything|things) (?:sorted|fixed|resolved|done|sorted out)|fix (?:this|it|that)|"
         r"get (?:you|him|her|them|your (?:son|daughter|child))\b[^.!?]{0,30}?" + _OUTCOME + r"|"
         r"make (?:them|the school|the council|the LA|it happen)|win\b|represent\b|"
         r"fight\b|take care of (?:it|this|everything)|get (?:the|your|his|her) [\w ]{0,20}(?:changed|overturned|sorted))"),
     "This commits the service to an outcome; say what the service can offer instead."),
    (_rx(r"\b(?:we|I|someone|somebody|" + _STAFF + r")" + _WILL
         + r"\s+(?:definitely\s+|personally\s+|certainly\s+)?(?:call|ring|phone|visit|come (?:out|round|to))"
         + r"(?:\s+you)?(?:\s+back)?\b(?![^.!?]{0,40}\bas soon as (?:we|they|possible|you|an?)\b)"),
     "This promises a call or visit at a time the service can't guarantee; say how to get in touch instead."),
    (_rx(r"\b(?:someone|somebody|" + _STAFF + r")" + _WILL + r"\s+(?:definitely\s+|personally\s+|certainly\s+)?"
         r"(?:represent|speak for|speak up for|advocate for|fight for|argue for|act for|attend|come to|go to|be at|sort|"
         r"make sure|ensure|get(?!\s+(?:back|in touch|in contact)\b))\b(?![^.!?]{0,40}\b(?:if|when|whether|as soon as)\b)"),
     "This commits the service to act for the family; say what the service can offer instead."),
    (_rx(r"\b(?:we|I|someone|somebody|" + _STAFF + r")" + _WILL + r"\s+(?:get back to|reply to|respond to|contact|email|e-mail|"
         r"message|call|ring)\s+you\s+(?:back\s+)?" + _TIME
         + r"|\b(?:we|I|someone|somebody|he|she|they|" + _STAFF + r")" + _WILL + r"\s+(?:be|get) in (?:touch|contact)\b"
         r"[^.!?]{0,20}?" + _TIME),
     "This promises a reply by a set time; say 'we'll reply as soon as we can' instead."),
    (_rx(_WE + _WILL + r"\s+(?:contact|speak to|talk to|call|ring|write to|email|challenge|chase|sort out|deal with)\s+"
         r"(?:the |your |his |her |their )?(?:school|council|LA|local authority|nursery|college|SENCO|head(?:teacher)?|"
         r"teachers?|academy|trust|GP|social worker)\b(?:\s+for you)?"
         r"|" + _WE + r"(?:'ll|\u2019ll| will| shall)\s+be\s+(?:writing|speaking|talking|contacting|calling|ringing|chasing|"
         r"emailing|e-mailing|going|complaining|raising (?:it|this))\s+(?:to\s+|with\s+)?(?:the|your|his|her|their)\s+\w+"
         r"|" + _WE + _WILL + r"\s+(?:contact|speak to|talk to|call|ring|write to|email|e-mail)\s+(?:the|your|his|her|their)\s+"
         r"(?:\w+\s+)?(?:team|department|office|panel|officer|caseworker|manager|service|provider|board|governors)\b"
         r"|" + _WE + _WILL + r"[^.!?]{0,40}?\b(?:on your behalf|in for you)\b"),
     "This commits the service to act for the family; say what the service can offer instead."),
    (_rx(_WE + _WILL + r"\s+(?:get|have|ask|arrange for)\s+(?:someone|somebody|an? \w+|one of (?:us|our \w+)|"
         r"a member of (?:the|our) team|our \w+)\s+(?:to\s+)?(?:call|ring|phone|contact|visit|email)\s+you\b"
         r"|\bexpect (?:a|our) (?:call|phone call|visit|reply|email)\b[^.!?]{0,15}?" + _TIME
         + r"|\b(?:everything|it|things|it all)(?:'ll|\u2019ll| will) (?:all )?(?:be (?:fine|ok|okay|alright|sorted)|"
         r"work out)(?=\s*(?:[.!,;]|$|in the end|for you))"),
     "This promises something the service can't guarantee; say what the service can offer instead."),
    (_rx(r"\b(?:this|it|that)\s+(?:won't|will not|will never|won\u2019t)\s+happen again\b"
         r"|" + _WE + _WILL + r"\s+(?:definitely\s+)?(?:put|make)\s+(?:it|this|that|things)\s+right\b"
         r"|\byou(?:'ll|\u2019ll| will)\s+hear (?:from us|back)\s+" + _TIME),
     "This promises something the service can't guarantee; say what the service can offer instead."),
    (_rx(r"\b(?:you|he|she|they|your (?:son|daughter|child))(?:'ll|\u2019ll| will)\s+(?:definitely\s+|soon\s+)?"
         r"(?:be (?:back in school|back at school|given|offered|allocated|assessed|seen|accepted)|have (?:an? )?"
         r"(?:EHCP|plan|place|diagnosis|assessment))\b"),
     "This tells the family what will happen; the decision isn't ours to promise."),
    (_rx(r"\b(?:you|he|she|they|your (?:son|daughter|child))(?:'ll|\u2019ll| will| are going to| is going to)\s+"
         r"(?:definitely|certainly|surely|absolutely|100%)\b(?!\s+(?:want|need|find|be able|like|be welcome)\b)"),
     "This tells the family what will definitely happen; nobody can promise that."),
    (_rx(r"\bdefinitely\s+(?:get|win|be (?:given|offered|awarded|successful)|receive|qualify|succeed|call|ring|"
         r"hear back|have)\b"),
     "This tells the family what will definitely happen; nobody can promise that."),
    (_rx(r"\b(?:you|he|she|they|your (?:son|daughter|child))(?:'ll|\u2019ll| will| are going to| is going to)\s+"
         r"(?:get|be given|be offered|be awarded|receive|win|keep)\s+[^.!?]{0,12}?" + _OUTCOME),
     "This tells the family what they will get; the decision isn't ours to promise."),
    (_rx(r"\b(?:get|make) (?:the|your|his|her|their) (?:school|council|LA|local authority|nursery|college|head|"
         r"headteacher|SENCO|academy|trust) to (?:agree|change|accept|pay|back down|give|provide|put|apply|"
         r"do (?:it|this|that)|listen)\b"
         r"|" + _WE + _WILL + r"\s+(?:attend|come to|come with you to|go with you to|be at)\s+(?:the|your|his|her)\s+"
         r"(?:meeting|review|annual review|tribunal|hearing|appeal|exclusion meeting)"),
     "This commits the service to act for the family; say what the service can offer instead."),
    (_rx(r"\b(?:we|I) can get (?:you|him|her|them)\s+[^.!?]{0,12}?" + _OUTCOME
         + r"|\b(?:leave (?:it|that|this|everything|the rest) (?:with|to) (?:us|me)|consider it (?:done|sorted|dealt with|"
         r"handled|fixed)|no problem at all,? we'll)\b"
         r"|" + _WE + _WILL + r"\s+(?:get|have)\s+(?:it|this|that|them|the \w+|his \w+|her \w+|your \w+|their \w+)\s+"
         r"(?:\w+\s+)?(?:reinstated|restored|back|approved|agreed|fixed|put back|increased|written|added|included|named|"
         r"funded|finalised|finalized|issued|done|moved|speeded up|sped up|fast-tracked|pushed through|changed|"
         r"overturned|sorted|reversed|cancelled|withdrawn|amended|updated)\b"
         r"|\b(?:they|the (?:council|school|LA|local authority|tribunal|panel|academy|college|nursery))(?:'ll|\u2019ll| will|"
         r"'d| would)\s+(?:have to|be forced to|need to|be made to)\s+(?:say yes|agree|give|accept|assess|name|fund|"
         r"provide|back down|take (?:him|her|them) back|reinstate|pay)\b"),
     "This commits the service to an outcome; say what the service can offer instead."),
    # Acting for the family: chasing / taking things up with someone, or doing it "for you".
    (_rx(_WE + _WILL + r"\s+(?:definitely\s+|personally\s+|happily\s+)?(?:chase|chase up|push|escalate|get on to|"
         r"get onto|take (?:this|it|that) up with|raise (?:this|it|that) with|have a word with|put pressure on|"
         r"lean on|ring round|phone round|follow (?:this|it|that) up with|advocate for you with)\b(?!\s+(?:you|us)\b)"
         r"|" + _WE + _WILL + r"\s+(?:contact|call|ring|phone|email|e-mail|write to|speak to|talk to|visit)\s+"
         r"(?-i:[A-Z][a-z]+)\b(?<!\bUs)(?<!\bYou)"
         r"|" + _WE + _WILL + r"\s+(?:\w+\s+){0,2}?(?:sort|fix|chase|handle|deal with|sort out|get|do|arrange|"
         r"organise|request|apply for|write)\s+(?:it|this|that|them|everything|all of (?:it|this)|the \w+)"
         r"(?:\s+(?:out|up))?\s+for (?:you|him|her|them)\b"
         r"|" + _WE + _WILL + r"\s+(?:\w+\s+)?(?:sort|fix|iron|deal with|sort out|solve|resolve|handle)\s+(?:out\s+)?(?:any|all|"
         r"every|your|the|those|these)\s+(?:\w+\s+)?(?:problems?|issues?|difficulties|worries|concerns)\b"
         r"|\byou (?:won't|will not|shouldn't|should not) have any (?:problems?|issues?|trouble|bother|difficulty)\b"
         r"|\b(?:there|there'll|there will) (?:won't|will not|will never) be any (?:problems?|issues?)\b"
         r"|\b(?:the council|the LA|the local authority|the school|the tribunal|they|(?-i:Leicester|Leicestershire))"
         r"(?:'ll|\u2019ll| will)\s+(?:definitely\s+|certainly\s+|happily\s+|have to\s+)?(?:honour|approve|back down|give in|"
         r"cave|accept it|agree to it|rubber-?stamp)\b"
         r"|" + _WE + _WILL + r"\s+(?:find|get|secure|sort|arrange)\s+(?:him|her|them|you|your \w+)\s+(?:a |an |one|the |some )?"
         r"(?:new |good |better |right )?(?:school|place|placement|plan|EHCP|one|assessment|transport|taxi|TA|1:1|support|"
         r"funding|diagnosis|appointment)\b"
         r"|\b(?:I'm|I am|we're|we are) (?:really |very |quite |100% )?(?:confident|sure|certain|positive) (?:that )?(?:they|he|she|"
         r"you|it|the \w+)(?:'ll|\u2019ll| will| would| are going to| is going to)\b"
         r"|\b(?:yours|your (?:appeal|case|plan|EHCP|request|application|review|claim|tribunal))(?:'ll|\u2019ll| will)\s+be\s+"
         r"(?:sorted|done|resolved|finished|heard|decided|approved|fixed|issued|finalised|accepted|successful|fine)\b"),
     "This commits the service to act for the family; say what the service can offer instead."),
    # A named person or "he/she/they" will get in touch by a set time, or "without fail".
    (_rx(r"\b(?:he|she|they|(?-i:[A-Z][a-z]+))(?:'ll|\u2019ll| will)\s+(?:definitely\s+|personally\s+|certainly\s+)?"
         r"(?:call|ring|phone|contact|email|e-mail|text|get back to|reply to|visit)\s+(?:you|him|her|them)\b"
         r"[^.!?]{0,30}?(?:" + _TIME + r"|without fail)"
         r"|\bwithout fail\b|\bno matter what\b|\b(?:you|I|we) can count on (?:us|me|it|that)\b"),
     "This promises something the service can't guarantee; say how to get in touch instead."),
    # Predicting a win or success ("you'll win at tribunal", "you're bound to get it").
    (_rx(r"\b(?:you|he|she|they|your (?:son|daughter|child|young person|family))(?:'ll|\u2019ll| will| are going to|"
         r" is going to)\s+(?:easily\s+|surely\s+|certainly\s+|definitely\s+|no doubt\s+)?(?:win|succeed|be successful|"
         r"get (?:it|one|what you want|what (?:he|she|they) needs?|the school you want|the place))\b"
         r"|\b(?:you|he|she|they)(?:'re|\u2019re|'s|\u2019s| are| is)\s+(?:bound|certain|sure|guaranteed)\s+to\s+"
         r"(?:win|get|be (?:given|offered|awarded|successful))\b"
         r"|\b(?:there's|there is)\s+no\s+way\s+(?:they|the (?:council|school|LA|local authority|tribunal|panel))\s+"
         r"(?:can|could|will|would)\s+(?:refuse|say no|turn (?:you|it|him|her) down|win)\b"
         r"|\b(?:you|he|she|they)\s+(?:can't|cannot|can not|won't|will not|couldn't)\s+(?:possibly\s+)?(?:lose|fail|go "
         r"wrong)\b(?!\s+(?:your|the|his|her|their|its|an?|any|this|that|it|them|out)\b)"
         r"|\b(?:it's|it is|that's|that is|this is|it'll be|it will be)\s+(?:just\s+)?(?:a\s+)?(?:done deal|in the bag|"
         r"a sure thing|a certainty|a dead cert|a foregone conclusion|a slam dunk|formality|a formality|a given|nailed on|"
         r"a cert|a no-brainer|guaranteed)\b"
         r"|\b(?:is|'s|will be|'ll be|would be)\s+(?:just\s+|only\s+|basically\s+|simply\s+)?(?:a\s+)?(?:formality|foregone "
         r"conclusion|done deal|dead cert|sure thing|racing certainty)\b"
         r"|\b(?:he|she|they|you|your (?:son|daughter|child)|(?-i:[A-Z][a-z]+))(?:'ll|\u2019ll| will)\s+(?:definitely\s+|"
         r"absolutely\s+|totally\s+)?be (?:fine|ok|okay|alright|all right|happy|settled|great|grand|absolutely fine)\b"
         r"(?!\s+to\b)"),
     "This tells the family what will happen; nobody can promise the result."),
]


_FUTURE_FOR_FAMILY = _rx(r"\b(?:you|he|she|they|it|your (?:son|daughter|child|young person))(?:'ll|\u2019ll| will| are going "
                         r"to| is going to)\s+(?!(?:\w+\s+)?(?:want|need|find|help|be (?:useful|helpful|worth)|make (?:a|the) difference|"
                         r"be able to ask|be welcome|have to|get (?:a|an|"
                         r"the) (?:letter|reply|decision)|hear from (?:the|them)|be asked|be told|be invited)\b)\w+")
_CERTAINTY = _rx(r"\b(?:I'm (?:sure|certain|confident|positive) of (?:it|that)|take it from me|no ifs,? (?:or|and|no) buts|end of story|no two ways about it|hands down|no question(?: about it)?|without (?:a|any) doubt|no doubt(?: about it)?|for sure|for certain|"
                 r"definitely|certainly|guaranteed|100\s?%|no problem|of course (?:he|she|they|you) will|absolutely|surely|"
                 r"bound to|no way (?:they|he|she)|no chance (?:they|he|she)|trust me|mark my words|I promise)\b")


_WE_WILL_RX = _rx(_WE + _WILL + r"\b")
_AND_ENSURE = _rx(r"\band (?:then )?(?:make sure|ensure|guarantee|see to it|get it (?:accepted|approved|agreed|sorted))\b")


_TRACK_RECORD = _rx(r"\b(?:we(?:'ve| have)|we) never (?:lost|failed|had (?:an? )?(?:appeal|case) (?:fail|lost))\b|\b(?:100\s?%|"
                    r"perfect|unbeaten) (?:success|record|win rate|track record)\b|\bour success rate\b|\byou(?:'re| are) in "
                    r"safe hands\b|\bwe always win\b|\bwe(?:'ve| have) won every\b")
_OBLIGED_CERTAIN = _rx(r"\b(?:they|the (?:council|school|LA|local authority|academy|college|nursery|tribunal))(?:'ll|\u2019ll| will)"
                       r"\s+have to\b")
_EMPHATIC = _rx(r"\b(?:no ifs,? (?:or|and|no) buts|end of story|full stop|no two ways about it|plain and simple|hands down|"
                r"no question|without (?:a|any) doubt|definitely|for sure|guaranteed|100\s?%)\b")


# "we'll make sure Sarah sees this", "we'll pass it on": internal hand-offs, not commitments to the family
_INTERNAL_HANDOFF = _rx(r"\s+(?:the\s+)?(?:\w+\s+){0,2}?(?:sees?|gets?|reads?|hears?|receives?)\s+(?:this|these|your "
                        r"(?:message|comment|feedback|kind words|thanks|post|lovely words))\b")


def _skip_promise(ctx: Context, m: re.Match) -> bool:
    if _negated(ctx, m):
        return True
    return bool(re.search(r"(?:make sure|ensure)$", m.group(0), re.IGNORECASE)
                and _INTERNAL_HANDOFF.match(ctx.reply, m.end()))


# The comment asks what will happen ("Will the council pay...?", "will he keep it?") and the reply answers
# "Yes, they will": a prediction of someone else's decision.
_WILL_QUESTION = _rx(r"\b(?:will|would|is|are)\s+(?:they|the \w+|he|she|I|we|my \w+|it|his \w+|her \w+|our \w+)\s+(?:\w+\s+)?"
                     r"(?:get|pay|name|give|agree|accept|keep|win|be|qualify|transfer|continue|happen|fund|provide|assess|"
                     r"going to)\b[^?]*\?")
_YES_THEY_WILL = _rx(r"^\W*(?:yes|yep|yeah|definitely|absolutely|certainly|of course|100\s?%|no doubt|sure)\b[^.!?]{0,25}?\b(?:they|he|"
                     r"she|you|it|we)(?:'ll|\u2019ll| will| would| are going to| is going to)\b")


def _we_will_before(ctx: Context, pos: int) -> bool:
    """``_WE_WILL_RX.search(ctx.before_in_sentence(pos))`` where ``pos`` starts a word (``_AND_ENSURE``): true
    when the sentence's first "we'll" ends by ``pos`` (a "we'll" ends in a letter, so none ends exactly at a
    word that starts there). Found once per sentence instead of once per match."""
    s, e = ctx.sentence_of(pos)
    key = ("we-will", s, e)
    if key not in ctx._memo:
        first = _WE_WILL_RX.search(ctx.reply, s, e)
        ctx._memo[key] = first.end() if first else e + 1
    return ctx._memo[key] <= pos


def check_promise(ctx: Context) -> list[Finding]:
    scanned, rest = ctx.reply_only("promise", _promise_reply)
    found = list(scanned)
    if ctx.comment and _WILL_QUESTION.search(ctx.comment):
        m = _YES_THEY_WILL.search(ctx.reply)
        if m:
            found.append(_finding(ctx, "promise", m.start(), m.end(),
                                  "This tells the person what will happen; that decision isn't ours to promise."))
    return found + list(rest)


def _promise_reply(ctx: Context) -> tuple:
    scanned = tuple(_scan(ctx, "promise", _PROMISE, skip=_skip_promise))
    found: list[Finding] = []
    for m in _TRACK_RECORD.finditer(ctx.reply):
        found.append(_finding(ctx, "promise", m.start(), m.end(),
                              "This implies a guaranteed result; say what the service can offer instead."))
    for s, e in ctx.sentences:  # "they'll have to, no ifs or buts": someone else's decision stated as certain
        m = _OBLIGED_CERTAIN.search(ctx.reply, s, e)
        if m and _EMPHATIC.search(ctx.reply, s, e):
            found.append(_finding(ctx, "promise", m.start(), m.end(),
                                  "This tells the family what another body will certainly do; nobody can promise that."))
    for m in _AND_ENSURE.finditer(ctx.reply):  # "we'll put the request in and make sure it's accepted"
        if _we_will_before(ctx, m.start()) and not _negated(ctx, m):
            found.append(_finding(ctx, "promise", m.start(), m.end(),
                                  "This commits the service to an outcome; say what the service can offer instead."))
    for s, e in ctx.sentences:  # "he'll keep it, no question": a future for the family stated as certain
        sentence = ctx.reply[s:e]
        f = _FUTURE_FOR_FAMILY.search(sentence)
        if f and _CERTAINTY.search(sentence) and not _negated(ctx, _Span(s + f.start())):
            found.append(_finding(ctx, "promise", s + f.start(), s + f.end(),
                                  "This tells the family what will happen as if it were certain; nobody can promise that."))
    return scanned, tuple(found)


@dataclass(frozen=True)
class _Span:
    """A position in the reply, shaped like a match for the skip helpers."""
    pos: int

    def start(self) -> int:
        return self.pos


# --------------------------------------------------------------------------------------------------
# partiality
# --------------------------------------------------------------------------------------------------

_PARTY = (r"(?:the |your |his |her |their |this |that |these |those |a )?(?:cuts|reforms?|polic(?:y|ies)|proposals?|"
          r"council|local authority|LA|school|nursery|academy|"
          r"trust|college|head ?teacher|head|SENCO|teachers?|government|NHS|CAMHS|social services|social workers?|"
          r"DfE|ministers?|MPs?|politicians|schools|nurseries|councils|authorities)\b")
_ORG = (r"(?:(?:the|your|his|her|their|this|that|my|our) )?(?:council|local authority|LA|school|nursery|academy|trust|"
        r"college|head ?teacher|head|SENC[Oo]|teachers?|government|NHS|CAMHS|social services|social workers?|DfE|"
        r"ministers?|MPs?|politicians|schools|nurseries|councils|authorities|colleges|staff|GP|paediatrician|"
        r"tribunal|panel|caseworkers?|SEND team)\b")
_RETAILERS = (r"Amazon|eBay|Argos|Tesco|Asda|Sainsbury'?s|Boots|Smyths|John Lewis|Etsy|Temu|Shein|IKEA|Ikea|"
              r"Currys|Lidl|Aldi|Primark|Wilko|B&M|The Range|Superdrug|Morrisons|Waitrose|Hobbycraft|Sensory Direct|"
              r"Poundland|Home Bargains|TK ?Maxx|Mothercare|Very\.co\.uk|AliExpress|Wish\.com")
_SIGNPOST_ORGS = frozenset({
    "IPSEA", "Contact", "Mencap", "Scope", "Sense", "NAS", "Childline", "NSPCC", "Samaritans", "SENDIASS",
    "Citizens", "Local", "Council", "SEND", "Family", "Kids", "Young", "Barnardo's", "Barnardos", "Shout",
    "Papyrus", "Mind", "YoungMinds", "Action", "Coram",
})

_SIDE_OF = (r"(?:parents?|parent's|famil(?:y|ies)(?:'s|')?|child's|children's|council's|school's|LA's|"
            r"local authority's|mum's|dad's|families)'?")

_PARTIALITY: Patterns = [
    (_rx(r"\b(?:councils?|LAs?|local authorit(?:y|ies)|schools?|academies|the government|they)\s+(?:always|just|only|"
         r"never|routinely|deliberately)\s+(?:try|want|refuse|care|say no|fob|ignore|lie|cut|save|fight|drag)\w*"
         r"|\b(?:the school|the council|the LA|the local authority|the academy|the nursery|the college|the trust|they|"
         r"he|she|your ex|the head)\s+(?:should|must|needs? to|ought to|has to|have to)\s+(?:ban|exclude|block|stop|sack|"
         r"discipline|punish|report)\s+(?:him|her|them|the)\b|\btell (?:the school|them|the council|the head) to (?:ban|"
         r"exclude|block|stop|keep (?:him|her) away)\b"
         r"|\b(?:[A-Z][\w'-]{1,40}+\s+){1,3}(?:Council|Academy|School|College|Trust|Nursery|Primary|Infants|Juniors|Junior|"
         r"High|Secondary|Grammar|Federation|Hospital|CAMHS|Centre)\s+(?:is|are|was|were|"
         r"has been|have been)\s+(?:really |so |very |totally |just |clearly |absolutely |notoriously |honestly |"
         r"always )?(?:useless|awful|terrible|hopeless|rubbish|the worst|notorious|incompetent|a nightmare|dreadful|"
         r"shocking|failing|in the wrong|wrong|to blame|brilliant|great|excellent|fantastic|amazing|outstanding|"
         r"the best|wonderful|superb|good with|so good|really good|lovely|much better|better|worse|fab)\b"
         r"|\b(?:I|we)\s+(?:completely |totally |fully |absolutely |100% |really |do |couldn't )?agree(?: more)? "
         r"with you\b|\b(?:I|we) (?:completely|totally|fully|absolutely|100%) agree\b"),
     "This takes sides; the service must stay impartial."),
    (_rx(r"\b(?:polic(?:y|ies)|reforms?|white paper|green paper|changes|bill|cuts|funding cuts)\s+(?:is|are|will be|"
         r"were)\s+(?:a |an |absolutely |totally |completely )?(?:disaster|terrible|awful|shambles|outrageous|"
         r"brilliant|fantastic|great|excellent|long overdue|wrong|a mistake|cruel|disgraceful)\b"),
     "This gives an opinion on a policy; the service must stay impartial."),
    (_rx(r"\b(?i:get|buy|try|go for|order|grab)\s+(?i:the\s+|some\s+)?[A-Z][\w&'-]{1,40}+\s+(?i:ones?)\b", 0),
     "This endorses a brand or product; the service must stay impartial."),
    (_rx(r"\bon\s+(?:the\s+)?" + _SIDE_OF + r"\s*side\b|\bon\s+(?:your|their|his|her|our|anyone's|everyone's|"
         r"nobody's)\s+side\b|\b(?:take|taking|took)\s+(?:the\s+|your\s+|their\s+)?(?:" + _SIDE_OF + r"\s*)?sides?\b"
         r"(?!\s+effects?)|\bon the side of\b(?!\s+caution)|\bside with\b"),
     "This takes sides; the service must stay impartial."),
    (_rx(r"\b(?:against|fight(?:ing)?|battle|battling|beat|take on|taking on|stand up to|war with|war on)\s+" + _PARTY),
     "This sets the service against an organisation; the service must stay impartial."),
    (_rx(r"\bshould (?:be )?(?:ashamed|embarrassed)\b|\b(?:outrageous|disgrace(?:ful)?|shameful|scandal(?:ous)?|"
         r"appalling|disgusting|deplorable|atrocious|unforgivable|shambolic|a shambles|incompetent|clueless|"
         r"corrupt|heartless|inexcusable)\b|\b(?:it's|that's|this is) (?:criminal|a scandal|a joke|ridiculous)\b"),
     "This passes judgement on someone; stay neutral and factual."),
    (_rx(r"\b(?:is|are|'s|'re|were|was|been|keep)\s+(?:clearly |definitely |blatantly |simply |just |actually |"
         r"totally )?(?:breaking|broken|breaching|breached|flouting|flouted|ignoring|ignored)\s+(?:the law|"
         r"their (?:legal )?(?:duty|duties)|the (?:SEND )?Code(?: of Practice)?|the Equality Act|the rules)"
         r"|\b(?:acting|acted|behaving|behaved)\s+(?:illegally|unlawfully)"
         r"|\b(?:they|the school|the council|the LA|the nursery|the college|the academy|she|he)\s+(?:is|are|was|were|"
         r"'s|'re)\s+(?:clearly |definitely |blatantly )?(?:discriminating|in the wrong|wrong|lying|liars)\b"
         r"|\b(?:what (?:they|she|he|the \w+)(?:'re| are| is|'s)? (?:doing|did|have done) is|that's|that is|this is|"
         r"it's|it is)\s+(?:(?:clearly|definitely|blatantly|obviously|simply|just|outright|plainly|textbook|classic|"
         r"a clear case of|a case of|an? (?:clear |obvious |blatant )?(?:case|example) of)\s+)*(?:(?:disability|direct|"
         r"indirect|unlawful|outright|blatant|clear|obvious|illegal)\s+)?(?:illegal|unlawful|against the law|"
         r"discrimination|discriminatory)\b(?!\s+(?:for|to|if|when|unless))"),
     "This accuses someone of wrongdoing; the service must stay impartial and avoid libel."),
    (_rx(r"\b(?:can't|cannot|can not|can\u2019t|isn't something\s[^.!?]{1,40}?\scan)\s+just\s+(?:decide|refuse|exclude|"
         r"say|do that|do this|stop|remove|send|change|cut|ignore|turn|take|make|force|ban|reduce|withdraw|"
         r"put|keep|tell)"),
     "This tells the family who is in the right; stay neutral and explain the process instead."),
    (_rx(r"(?<![Yy]ou)(?<![Yy]ou )\b(?:is|are|'s|'re|was|were)\s+being\s+(?:really |so |very |totally |completely |quite |a bit |"
         r"incredibly |extremely |just )?(?:unreasonable|difficult|awkward|ridiculous|silly|obstructive|unfair|"
         r"petty|selfish|spiteful|vindictive|controlling|manipulative|horrible|nasty|a nightmare|childish|"
         r"stubborn|useless|lazy|cruel)\b"
         r"|\b(?:her|his|your|their|the|my|that|this|these|those)\s+(?:mum|mother|dad|father|ex|ex-partner|ex-wife|ex-husband|partner|"
         r"husband|wife|step-?mum|step-?dad|stepmother|stepfather|gran|grandma|grandad|nan|family|in-laws|"
         r"teachers?|head|headteacher|SENCO|school|schools|council|LA|nursery|social worker|GP|paediatrician|"
         r"college|academy|trust|people|lot)\s+(?:is|are|was|were|'s|'re|sounds|seems|has been|have been)\s+"
         r"(?:really |so |very |totally |completely |just |clearly |obviously |being |absolutely |notoriously )?"
         r"(?:unreasonable|wrong|in the wrong|awful|terrible|useless|hopeless|toxic|selfish|out of order|"
         r"a nightmare|lying|incompetent|clueless|vile|horrible|the problem|to blame|at fault|rubbish|pathetic|"
         r"dreadful|shocking|the worst|notorious|bad at|known for|failing)\b"
         r"|\b(?:terrible|awful|bad|poor|shocking|dreadful|horrendous|appalling|notorious)\s+(?:reputation|track record|"
         r"record)\b"
         r"|\b(?:it's|it is|that's|that is|this is|it was)\s+(?:all |entirely |totally |clearly )?"
         r"(?:the|their|her|his|your) [\w ]{1,25}?(?:'s|s') fault\b"
         r"|\bblame (?:the|your|her|his|their) (?!(?:condition|disability)\b)\w+"),
     "This takes sides in a dispute; the service must stay impartial."),
    (_rx(r"\b(?:councils?|LAs?|local authorit(?:y|ies)|schools?|they)\s+(?:almost always |nearly always |usually |"
         r"always |often |tend to |generally |will |normally )?(?:lose|loses|lost|never win|rarely win|back(?:s)? down|"
         r"backed down|give(?:s)? in|gave in|cave(?:s|d)?|fold(?:s|ed)?|concede(?:s|d)?|settle(?:s|d)?|crumble(?:s|d)?)"
         r"\b(?!\s+(?:that|the|a|an|their|its)\b)"
         r"|\b(?:most|nearly all|almost all|9 out of 10|\d+\s?%)\s+(?:of\s+)?(?:appeals|tribunals|cases)\s+"
         r"(?:are\s+)?(?:won|lost|go (?:the|in) (?:parents'?|families'?))"),
     "This pits families against the council; stay neutral and explain the process instead."),
    (_rx(r"\b(?:Tor(?:y|ies)|Conservatives?|Labour|Lib ?Dems?|Liberal Democrats?|Reform UK|Green Party|SNP|"
         r"UKIP|Plaid Cymru)\b", 0),
     "This brings party politics into a reply; the service must stay impartial."),
    (_rx(r"\b(?:the )?(?:government|ministers?|Westminster|politicians)(?:'s)?\b"
         r"[^.!?]{0,40}?\b(?:destroyed|ruined|gutted|wrecked|slashed|betrayed|abandoned|cut|cuts|cutting|"
         r"don't care|doesn't care|failed|is failing|are failing|to blame|war on|destroying|ruining)\b"
         r"|\b(?:government|council|LA)\s+cuts\s+(?:are|have|is)\b"
         r"|\b(?:the )?(?:council|LA|local authority)(?:'s)?\s+(?:who|which|that)?\s*(?:has |have )?(?:cut|slashed|gutted|"
         r"destroyed|ruined|wrecked)\s+(?:our|your|the|their|its|all)\b"
         r"|\b(?:the )?(?:council|LA|local authority|school|government)\s+(?:clearly |obviously |just |simply |really )?"
         r"(?:don't|doesn't|do not|does not|never) (?:care|listen)\b"
         r"|\btypical (?:council|LA|local authority|school|government|Tories|Tory|Labour|academy|nursery)\b"
         r"|\b(?:there's|there is|they have|they've got|the \w+ has|the \w+ have) no excuse\b(?!\s+(?:needed|necessary))"
         r"|\b(?:the\s+)?(?:best|worst|better|worse|strongest|weakest)\s+(?:\w+\s+)?(?:manifesto|manifestos|party|parties|"
         r"candidate|government|SEND polic(?:y|ies))\b"
         r"|\bausterity\b|\bvot(?:e|ing) (?:for|against|them out|him out|her out|to (?:get rid|remove|kick|oust))\b"
         r"|\b(?:councils|schools|heads|headteachers|teachers|SENCOs|academies|trusts|LAs|local authorities|social workers|"
         r"politicians|ministers|governments|new heads|paediatricians|doctors)\s+(?:always|never|all|just|only|"
         r"usually|tend to)\s+(?:think|say|try|want|do|care|look|lie|refuse|ignore|blame|fob|pass|make|get)\b"),
     "This gives a political opinion or blames a public body; the service must stay impartial."),
    (_rx(r"\b(?:" + _RETAILERS + r")\b", 0),
     "This recommends a shop or company; the service must not endorse products or companies."),
    (_rx(r"\b(?:the\s+)?[A-Z][\w&'-]{0,40}+(?:\s[A-Z][\w&'-]{0,40}+)?\s+ones?\s+(?:is|are)\s+(?:the |much |far |way |really )?"
         r"(?:best|better|greatest|brilliant|great|amazing|excellent|fab|fantastic|rubbish|worst|cheapest)\b", 0),
     "This endorses a brand or product; the service must stay impartial."),
    (_rx(r"\b(?:best|top|favourite|leading|cheapest)\s+(?:brand|make|product|one to buy)s?\b"),
     "This endorses a brand or product; the service must stay impartial."),
    (_rx(r"\b(?:mainstream|special|private|independent|grammar|faith|free)\s+schools?\s+(?:is|are)\s+(?:much |far |"
         r"always |definitely |clearly |so much )?(?:better|best|worse|the worst|the best|rubbish|the answer|useless)\b"
         r"|\bhome[- ]?(?:education|schooling|educating)\s+is\s+(?:much |far |always |definitely )?(?:better|best|"
         r"worse|the answer|the way)\b"
         r"|\byou should (?:move|take|pull) (?:him|her|them|your (?:son|daughter|child)) (?:out of|away from)\b"
         r"|\bI(?:'d| would) (?:move|take|pull) (?:him|her|them) (?:out|to another|away)\b"),
     "This pushes one point of view or policy; give neutral information instead."),
    # Attitudes and motives attributed to an organisation ("they clearly don't care", "anything to save money").
    (_rx(r"\b(?:they|" + _ORG + r")\s+(?:clearly |obviously |just |simply |really |still |honestly )?(?:don't|doesn't|"
         r"do not|does not|never|won't|can't be bothered to)\s+(?:even\s+)?(?:care|listen|bother|give a (?:damn|toss)|"
         r"want to (?:know|help|listen)|get it)\b"
         r"|\b" + _ORG + r"\s+(?:clearly |obviously |just |simply |really |still )?(?:don't|doesn't|do not|does not|"
         r"never)\s+(?:even\s+)?(?:understand|get|know (?:anything )?about)\s+(?:autism|ADHD|SEND|SEN|disabilit\w+|"
         r"children|kids|families|parents|young people|what they're doing|anything)\b"
         r"|\b(?:just |only |simply )?to save (?:themselves |on )?(?:money|cash|a few quid|pennies|a bit of money|costs?|"
         r"transport|budgets?|funding|a few pounds)\b"
         r"|\bwe(?:'re| are) (?:very |really |deeply |extremely |so |quite )?(?:worried|concerned|alarmed|angry|furious|"
         r"disappointed|delighted|thrilled|pleased|appalled|horrified|outraged) (?:about|by|with|at|that) (?:the |these |this |"
         r"their |its )?(?:new )?(?:reforms?|plans?|polic(?:y|ies)|proposals?|changes|cuts|government|council|decision|"
         r"minister|white paper|green paper)\b"
         r"|\b(?:they|" + _ORG + r")(?:'ll|'d| will| would)\s+(?:close|cut|do|say|try|sign)\s+anything\b"
         r"|\bonly (?:care|cares|interested) (?:about|in) (?:money|budgets?|saving money|the money|their budgets?|"
         r"targets|league tables|results|their reputation|themselves)\b"
         r"|\btypical(?:\s+of)?\s+(?:this |the |that |our |your |a |every )?(?:council|LA|local authority|school|"
         r"government|academy|nursery|college|trust|NHS|CAMHS|Tories|Tory|Labour|politicians?)\b"),
     "This judges an organisation's motives; the service must stay impartial."),
    # Blame and verdicts: "it's all down to council cuts", "the worst we've seen", comparing schools.
    (_rx(r"\b(?:down to|caused by|the fault of|to blame (?:is|are))\s+(?:the\s+|their\s+|"
         r"years of\s+)?(?:council|government|LA|local authority|Tor(?:y|ies)|Labour|austerity|cuts|funding cuts|"
         r"ministers|politicians|the school|academies|academisation)\b"
         r"|\b(?:council|government|LA|Tory|Labour|austerity|budget|funding|SEND)\s+cuts\b"
         r"|\bthe (?:worst|best) (?:we|I)(?:'ve| have)?\s+(?:ever\s+)?(?:seen|known|come across|dealt with|heard of)\b"
         r"|\b(?:much |far |way |a lot |miles )?(?:better|worse)\s+than\s+(?:the\s+|any\s+|all\s+)?(?:other|most|"
         r"any|all)\s+(?:\w+\s+)?(?:schools?|nurseries|councils?|colleges?|academies|authorities|LAs|ones|settings)\b"
         r"|\b(?:far|much|way|a lot|miles|so much|massively)\s+(?:more|less)\s+\w+\s+than\s+(?:the\s+|any\s+|their\s+)?"
         r"(?:council|LA|local authority|NHS|school|schools|mainstream|state|private|academy|academies|other|others|"
         r"\w+'s)\b"
         r"|\bthe (?:best|worst) (?:school|nursery|college|council|academy|LA|authority|setting|provision|one)s?\s+"
         r"(?:in|round|around|near|for miles|in the (?:city|county|area))\b"),
     "This blames or ranks organisations; the service must stay impartial."),
    # Endorsing one kind of school or choice ("home ed is the best thing we ever did", "special schools every time").
    (_rx(r"\b(?:mainstream|special schools?|special|academies|private schools?|independent schools?|grammar schools?|"
         r"home[- ]?(?:ed|education|schooling|educating)|units?|resource bases?)\s+(?:just |simply |really |never |"
         r"generally |often )?(?:can't|cannot|don't|doesn't|won't|never)\s+(?:cope|work|manage|understand|care|meet)\b"
         r"|\b(?:mainstream|special schools?|special|home[- ]?(?:ed|education|schooling)|private|academies|"
         r"(?-i:[A-Z][a-z]+))\s+every (?:time|single time)\b"
         r"|\bhome[- ]?(?:ed|education|schooling|educating)\s+(?:is|was|has been)\s+(?:much |far |always |definitely |"
         r"honestly |genuinely )?(?:better|best|worse|the answer|the way|the best|brilliant|great|amazing)\b"
         r"|\bthe (?:best|worst) (?:thing|decision|move|choice) (?:we|I) (?:ever )?(?:did|made|took)\b"
         r"|\b(?:don't|do not|never) (?:accept|take) (?:it|that|this|no|their (?:decision|answer|offer)|the (?:decision|"
         r"offer))\b(?:\s+for an answer)?(?!\s+(?:personally|to heart))"),
     "This pushes one choice or side; give neutral information instead."),
    # Urging a fight, ranking a school for the child.
    (_rx(r"\bfight (?:it|this|that|them|back|on|every)\b(?!\s+(?:for|to get)\b)|\b(?:it's|that's|it is|that is|sounds like)\s+"
         r"(?:\w+\s+)?the (?:best|perfect|ideal|worst|wrong) (?:school|placement|setting|college|nursery|option|choice) for "
         r"(?:him|her|them|your \w+)\b"),
     "This takes a side on the family's behalf; give neutral information instead."),
    # Verdicts on a decision's motive that need no named party ("a cost-cutting exercise dressed up as...").
    (_rx(r"\b(?:cost-?cutting|penny-?pinching|money-?saving|box-?ticking)\s+(?:exercise|measure|move|decision|policy|"
         r"nonsense)\b|\bdressed up as\b|\ba (?:whitewash|cover-?up|stitch-?up)\b"),
     "This judges a decision's motives; the service must stay impartial."),
    # Opinions, politics and campaigning.
    (_rx(r"\bfrankly\b|\bto be (?:brutally )?honest,? (?:the|they|he|she|I|we)\b|\b(?:we|I)(?:'d| would)? (?:support|back|"
         r"stand with|stand behind) (?:anyone|everyone|those|parents|families|people) who (?:stands?|fights?|campaigns?|"
         r"opposes?|protests?|challenges?|takes? on)\b|\bthe lot (?:who|that|in charge|in power)\b"
         r"|\boff the record\b|\bbetween (?:you and me|ourselves)\b|\bif you ask (?:me|us)\b|\bpersonally,? (?:I|we)"
         r"(?:'d| would)? (?:think|feel|believe|reckon)\b|\b(?:I|we) (?:personally )?(?:reckon|believe|think|feel) "
         r"(?:that )?(?:the |this |these |their )?(?:government|ministers?|reforms?|plans?|polic(?:y|ies)|proposals?|cuts|"
         r"changes|white paper|green paper|bill)\b(?!\s+(?:can|could|may|might|must|should|will|would|"
         r"has to|have to|needs? to|is required|are required)\b)"
         r"|\banyone but\b|\bthe current lot\b|\b(?:this|the current|the last|successive) governments?\b[^.!?]{0,40}?"
         r"\b(?:disaster|failed|failing|ruined|destroyed|useless|hopeless|shambles|betrayed|terrible|awful)\b"
         r"|\b(?:an?|a direct|a deliberate|an outright)\s+(?:attack|assault|war)\s+on\b|\bbetray(?:al|ed|ing)\b"
         r"|\b(?:reforms?|plans?|polic(?:y|ies)|proposals?|white paper|green paper|bill|cuts|changes)\s+(?:have been|"
         r"has been|would be|will be|are|is|were|was|'re|'s)\s+(?:an? |absolutely |totally |completely |utterly |"
         r"an absolute |a complete |an utter |a total |nothing short of (?:an? )?)?(?:disaster|disastrous|catastroph\w+|"
         r"terrible|awful|shambles|outrageous|brilliant|fantastic|excellent|long overdue|a mistake|cruel|disgraceful|"
         r"dangerous|shameful|heartless)\b"
         r"|\b(?:sign|share|support|back|signed|shared)\s+(?:the|this|our|their|a|that)\s+petition\b|\bpetition "
         r"against\b|\b(?:urge|encourage|call on|ask)\s+(?:\w+\s+){1,3}?to\s+(?:sign|protest|campaign|vote|write to|join|"
         r"oppose|fight|boycott|lobby)\b|\b(?:join|support|back)\s+"
         r"(?:the|our|this|their)\s+(?:campaign|protest|march|boycott|fight)\b|\bboycott\b"),
     "This gives an opinion or campaigns on a policy; the service must stay impartial."),
]

_RECOMMEND_BRAND = _rx(r"\b(?:I|we)(?:'d| would)?\s+(?:highly |definitely |really )?(?:recommend|swear by)\s+"
                       r"(?:the\s+)?([A-Z][\w&'-]+)", 0)
_APPEAL_BEFORE = _rx(r"\b(?:appeal(?:s|ed|ing)?|complain(?:t|ts|ed|ing)?|discriminat\w*|decision\w*|challenge)\b"
                     r"[^.!?]{0,20}$")


_THIRD_PERSON_BEFORE = _rx(r"\b(?:they|tribunals?|judges?|panels?|courts?|he|she|it|most|many)\s+(?:\w+\s+){0,2}$")


def _skip_partiality(ctx: Context, m: re.Match) -> bool:
    # Each look-behind reads a bounded window before the match, not the whole sentence (see Context.before_has).
    pos = m.start()
    text = m.group(0).lower()
    if text.startswith(("against", "fight", "battle", "beat", "take on", "stand up")):
        # "appeal against the council's decision", "discrimination against ..." are neutral process words
        return ctx.before_has(_APPEAL_BEFORE, pos, 120)
    if text.startswith("side with") and ctx.before_has(_THIRD_PERSON_BEFORE, pos, 160):
        return True  # "the tribunal sides with ..." reports a body's decision; only the service taking sides counts
    if "side" in text or text.startswith(("blame", "i ", "we ")):
        return _negated(ctx, m)
    # "We can't say which party is best", "we'd never call a school useless": a refusal, not an opinion
    return ctx.before_has(_REFUSAL_BEFORE, pos, _REFUSAL_REACH)


_REFUSAL_BEFORE = _rx(r"(?:\b(?:we|I|us)\b[^.!?]{0,15}?(?:\b(?:can't|cannot|can not|don't|do not|won't|will not|"
                      r"wouldn't|would never|never|aren't able|are not able|am not able|not able|not allowed|"
                      r"not in a position|unable|avoid|refrain)\b|n't\b)|\bit(?:'s| is) not (?:for us|our place|"
                      r"our role)\b)[^.!?,;]{0,50}$")
_REFUSAL_REACH = 100  # "we" + 15 characters + the longest refusal word + 50 characters  # in the same clause: "we don't have the money, take it up..." is no refusal


# Judging another party in general: a sentence that names another party (an organisation, a policy, a family
# member, "they") and passes a verdict on its conduct. Strong verdicts ("couldn't care less", "above the
# law", "incompetent") count beside "they/them"; weaker ones ("awful", "unacceptable") only beside a named
# organisation, policy or relative, so that "that sounds awful for him" stays an expression of sympathy.
_OTHER_ORG = _rx(
    r"\b(?:councils?|local authorit(?:y|ies)|LAs?|schools?|head ?teachers?|heads?|teachers?|SENC[Oo]s?|SENDCOs?|"
    r"academ(?:y|ies)|trusts?|nurser(?:y|ies)|colleges?|governments?|ministers?|MPs?|politicians?|part(?:y|ies)|"
    r"Tor(?:y|ies)|Labour|Conservatives?|Lib ?Dems?|Greens|NHS|CAMHS|social services|social workers?|"
    r"paediatricians?|GPs?|tribunals?|panels?|DfE|Ofsted|caseworkers?|SEND team|staff|governors?|"
    r"ex|ex-?partner|ex-?husband|ex-?wife|step-?(?:dad|mum|father|mother)|in-laws|polic(?:y|ies)|reforms?|"
    r"proposals?|green paper|white paper|manifestos?|consultation|budgets?|cuts|system)\b"
    r"|\b\w+ like (?:that|them|this|him|her|these|those)\b")
_THIRD_SINGULAR = _rx(r"\b(?:he|she|him|his|her|he's|she's)\b")
_OTHER_PRONOUN = _rx(r"\b(?:they|them|their|they're|they've|they'd|they'll)\b")
_STRONG_VERDICT = _rx(
    r"\b(?:useless|hopeless|incompetent|clueless|lazy|corrupt|heartless|callous|uncaring|spineless|dishonest|arrogant|"
    r"negligent|shambolic|a shambles|a farce|a joke|a disgrace|disgrace(?:ful)?|shameful|shame on|deplorable|"
    r"outrageous|scandal(?:ous)?|unforgivable|inexcusable|abysmal|woeful|diabolical|worse than useless|"
    r"couldn't care less|could not care less|(?:don't|doesn't|do not|does not) give a|care(?:s)? more about (?:money|"
    r"budgets?|targets|themselves|their)|get(?:s|ting)? away with|above the law|a law unto|(?:shouldn't|should not) be "
    r"(?:allowed|let) near|(?:shouldn't|should not) be allowed to (?:work|teach|run|be)|not fit to|unfit to|"
    r"fob(?:bing|bed|s)? (?:\w+ )?off|gaslight\w*|let(?:ting)? (?:you|him|her|them|families|children|parents|kids|"
    r"everyone) down|(?:failing|failed|fails) (?:you|him|her|them|families|children|parents|kids|disabled|every|our)|"
    r"cost-cutting|penny-pinching|money-saving exercise|dressed up as|at it again|up to (?:their|his|her|its) old|"
    r"(?:bang )?out of order|in the wrong|to blame|at fault|can(?:'t|not) be trusted|not to be trusted|lying to|liars?|"
    r"cowards?|cowardly|greedy|evil|crooks?|(?:ha(?:s|ve)|with) a (?:long )?history of (?:this|it|that|doing|failing|"
    r"ignoring|refusing|excluding|fobbing)|(?:on|off) (?:their|his|her) high horse|power[- ]mad|jobsworths?|"
    r"box[- ]ticking|bean counters?|pen[- ]pushers?|deserve(?:s)? better|(?:need|needs|ought) to be (?:named and "
    r"shamed|sacked|held to account|reported)|rotten|broken system|a broken|(?:the|their|his|her) (?:fault|problem)|"
    r"can't be bothered|couldn't be bothered|can not be bothered|mean(?:s)? nothing to|(?:do|does|doing) whatever "
    r"(?:they|he|she|it) (?:like|likes|want|wants|please|pleases)|think(?:s)? (?:they|he|she|it) can (?:do|get away|"
    r"ignore|say)|out of (?:their|his|her|its) depth|(?:a|the) bad name|(?:bad|poor|terrible|awful) reputation|"
    r"a reputation for|pull(?:s|ed|ing)? (?:this|that|a|the same|these|those) (?:stunts?|tricks?|fast ones?)|"
    r"(?:so |really |very |totally |completely )?unfair (?:of|on) (?:him|her|them|the \w+)|putting (?:his|her|their|its) "
    r"(?:own )?\w+ (?:before|ahead of|above)|favourite (?:trick|tactic|excuse|line|move|game)|means? nothing\b|"
    r"(?:refuse|refuses|reject|rejects|turn down|turns down|say no to|says no to) (?:everyone|everybody|every (?:one|request|"
    r"family|child))|ration(?:s|ing)? (?:support|help|provision|places|EHCPs)|(?:needs?|could do with|should (?:get|have)) "
    r"(?:some |more |proper |better |a bit of )*(?:training|sacking|a talking to|telling off)|(?:should|ought to) be sacked|"
    r"(?:clearly |obviously |just )?trying to (?:cause trouble|stir|upset|wind (?:you|her|him) up|control|manipulate|"
    r"intimidate|get at|get back at|punish|push (?:him|her|them|you) out|get rid of|fob|scare)|should be doing (?:far |much |a lot |so much |way |a bit |"
    r"loads )?(?:more|better)|(?:isn't|aren't|is not|are not|not) doing (?:enough|their job|its job|his job|her job)|"
    r"(?:could|should) (?:do|try) (?:more|better|harder|a lot more)|(?:one of )?the (?:slowest|worst|poorest|least \w+) "
    r"(?:in|of|around)|embarrassing|an embarrassment|a national (?:disgrace|scandal)|"
    r"(?:stunts?|tricks?|ploys?|games) like (?:this|that)|playing games|(?:wouldn't|would not|don't|do not|never|can't|"
    r"cannot) trust|as far as (?:I|you|we) could throw|(?:in breach of|in violation of|contravening|breaching|flouting) "
    r"(?:the|their|its|his|her)|a step (?:backwards?|back)|a backward step|a retrograde step|"
    r"(?:needs?|ought) to back off|(?:needs?|ought) to butt out|(?:needs?|ought) to (?:grow up|get a "
    r"grip|wake up)|hoping (?:you|parents|families|nobody|no one|people) (?:won't|don't|will not|wouldn't) "
    r"(?:notice|complain|appeal|challenge|know)|wear (?:you|parents|families|people) down|(?:that's|that is|typical) "
    r"(?:\w+ )?(?:for you|all over)|(?:classic|typical|standard|usual) (?:\w+ )?(?:move|tactic|tactics|trick|tricks|"
    r"behaviour|excuse|nonsense|response)|got (?:us|everyone|the country|families) into this mess|this mess|"
    r"think(?:s)? (?:they|he|she|it) knows? (?:best|better|everything|it all)|know-it-alls?|everyone knows (?:that|it|"
    r"what they're like)|(?:isn't|is not|wasn't|aren't) the one (?:who|that)|get rid of|(?:she'll|he'll|they'll) be gone)\b")
_WEAK_VERDICT = _rx(
    r"\b(?:awful|terrible|dreadful|horrendous|appalling|atrocious|shocking|rubbish|pathetic|a nightmare|unacceptable|"
    r"(?:a |an )?(?:total |complete |utter |absolute )?(?:disaster|catastrophe|failure|car crash)|disastrous|failing|"
    r"(?:one of )?the (?:slowest|worst|best|fastest|poorest)|embarrassing|"
    r"disgusting|vile|toxic|nasty|cruel|the worst|ridiculous|absurd|a mess|bad at|poor at|no good|not good enough|"
    r"brilliant|outstanding|excellent|fantastic|amazing|superb|wonderful|second to none|the best|far better|much "
    r"better|great|fab|fabulous|really good|very good|so good|poor|very poor|rubbish|"
    r"better|by far|every time|head and shoulders)\b")


_LINK = (r"[^.!?,;:]{0,40}?\b(?:is|are|was|were|'s|'re|has been|have been|had been|sounds?|sounded|seems?|seemed|"
         r"looks?|being|has|have|had|has got|have got|'ve got|'s got|got)\s+(?:\w+\s+){0,3}?")
_VERB = (r"(?:is|are|was|were|'s|'re|has been|have been|had been|sounds?|sounded|seems?|seemed|looks?|being|has|have|"
         r"had|has got|have got|'ve got|'s got|got)\s+(?:\w+\s+){0,3}?")
_LINK = r"[^.!?,;:]{0,40}?\b" + _VERB
# a named subject takes a standing quality ("Oakfield is brilliant"), not an event ("Ben was so good today")
_PRESENT_VERB = (r"(?:is|are|'s|'re|has|have|has got|have got|'ve got|'s got|got|seems?|sounds?|looks?)\s+"
                 r"(?:\w+\s+){0,3}?")
_NOT_A_VERDICT_NOUN = (r"(?!\s+(?:\w+\s+)?(?:person|people|place|way|thing|time|option|route|first step|source|bet|idea|contact|"
                       r"starting point|to ask|to contact|to speak|to talk)\b)")
_WEAK_PREDICATE = re.compile(r"(?:(?:" + _OTHER_ORG.pattern + r")" + _LINK
                             + r"|(?<!little )(?<!Little )(?-i:\b[A-Z][a-z'\u2019-]+(?:\s+[A-Z][a-z'\u2019-]+){0,2})\s+"
                             + _PRESENT_VERB + r")"
                             + r"(?:" + _WEAK_VERDICT.pattern + r")" + _NOT_A_VERDICT_NOUN, re.IGNORECASE)
_PROPER_WORD = re.compile(r"\b[A-Z][a-z'\u2019-]+\b")


def _names_another_party(sentence: str, service: frozenset[str]) -> bool:
    # (``service`` is the service's own name: the area or council name, "Leicester", still names another party)
    """A proper noun in the sentence that isn't common vocabulary, the service, or a signposting organisation."""
    for m in _PROPER_WORD.finditer(sentence):
        w = re.sub(r"['\u2019]s$", "", m.group(0))
        if w.lower() not in _COMMON_CAPS and w.lower() not in service and w not in _SIGNPOST_ORGS \
                and w.lower() not in _GENERIC_OPENERS:
            return True
    return False


def _judgements(ctx: Context) -> list[Finding]:
    found = []
    service = _own_name_words()
    for s, e in ctx.sentences:
        sentence = ctx.reply[s:e]
        hits = []
        if _OTHER_ORG.search(sentence) or _OTHER_PRONOUN.search(sentence) or _names_another_party(sentence, service) \
                or _THIRD_SINGULAR.search(sentence):
            hits += list(_finditer(ctx, _STRONG_VERDICT, s, e))
        for m in _WEAK_PREDICATE.finditer(sentence):
            subject = m.group(0)
            if subject[:1].isupper() and not _OTHER_ORG.match(subject) and not _names_another_party(subject.split()[0], service):
                continue  # a capitalised common word ("It", "That") is no party
            hits.append(m)
        for m in hits:
            if _negation_before(ctx, s + m.start()) or _SELF_OR_CHILD.search(sentence[max(0, m.start() - 25):m.start()]):
                continue
            found.append(_finding(ctx, "partiality", s + m.start(), s + m.end(),
                                  "This passes a verdict on another party; the service must stay impartial."))
            break
    return found


# the verdict is about the service, the person or the child ("we're not perfect", "your son is brilliant")
_SELF_OR_CHILD = _rx(r"\b(?:we|we're|we are|us|our|you|you're|you are|your (?:son|daughter|child|little one|boy|girl)|"
                     r"(?:he|she)(?:'s| is))\s+(?:\w+\s+){0,2}$")


# Family disputes: telling the person to disregard the other parent, school or council.
_DISREGARD: Patterns = [
    (_rx(r"(?:^|(?<=[.!?,;]\s)|\bjust\s+)ignore (?:him|her|them|your ex|the school|the council|the LA|what (?:he|she|they|"
         r"the school|the council) (?:says?|said|thinks?|wants?))\b"
         r"|\b(?:he|she|they|your ex|the school|the council|the LA)(?:'s|'ve| has| have| had)?\s+(?:got\s+)?no\s+(?:say|"
         r"right|rights|business|leg to stand on|grounds|clue|idea)\b"
         r"|\b(?:don't|do not) (?:let|listen to) (?:him|her|them|your ex|the school|the council|the LA|the head)\b"
         r"(?:\s+(?:push|bully|fob|tell|walk|boss|get))?"
         r"|\b(?:your|his|her|their|the) (?:partner|ex|ex-?partner|ex-?husband|ex-?wife|husband|wife|dad|mum|father|mother|"
         r"step-?(?:dad|mum)|family|in-laws|head|headteacher|SENCO|teacher|school|council|LA)\s+(?:really\s+|just\s+)?"
         r"(?:needs? to|has to|have to|should|must|ought to)\s+(?:back off|butt out|step back|stop|accept|respect|listen|"
         r"get over|grow up|let you|give in|apologi[sz]e|be ashamed|wake up)\b"
         r"|\byou know (?:best|better) than (?:them|him|her|the school|the council|the LA|the teachers|the professionals)\b"),
     "This takes a side in a dispute; the service must stay impartial."),
]


# The comment asks for the service's view ("what do you think of...", "thoughts on...", "who should I vote
# for"): a reply that gives one (a verdict, a feeling about it, "honestly...") takes a side.
_OPINION_REQUEST = _rx(r"\bwhat(?:'s| is| are)? (?:do )?(?:you|your|sendiass)(?:'s)? (?:think|make|view|views|opinion|"
                       r"thoughts|take|position|stance)\b|\bwhat do you (?:think|make|reckon|feel)\b|\b(?:your )?(?:thoughts|"
                       r"views?|opinions?) on\b|\bwho (?:should|would|do) (?:I|we|you) vote\b|\bwhich (?:party|is better|"
                       r"is best|one is better|school is (?:better|best))\b|\b(?:is|are) (?:it|they|the \w+) (?:any )?good\b|"
                       r"\bdo you (?:agree|support|back|like)\b|\bare you (?:for|against|going to fight)\b")
_OPINION_GIVEN = _rx(r"\b(?:honestly|frankly|personally|to be honest|in (?:my|our) (?:view|opinion)|we (?:think|feel|believe|"
                     r"reckon)|I (?:think|feel|believe|reckon)|we(?:'re| are) (?:very |really |deeply )?(?:worried|concerned|"
                     r"pleased|delighted|disappointed|angry|excited|supportive|against|for it)|(?:they're|it's|they are|it is|"
                     r"that's)\s+(?:a |an |really |very |so |absolutely |quite )*(?:great|good|bad|brilliant|awful|terrible|"
                     r"positive|negative|step|disaster|mistake|shame|joke|welcome|worrying|concerning|excellent|poor)\b)")


# The comment attacks another party and the reply agrees ("They really are", "So true", "Wouldn't surprise us").
_COMMENT_ATTACK = _rx(r"\b(?:useless|hopeless|awful|terrible|disgrace\w*|shocking|appalling|rubbish|a joke|joke|pathetic|"
                      r"incompetent|clueless|failing|don't care|doesn't care|couldn't care less|liars?|lying|corrupt|"
                      r"nightmare|worst|hate|fuming|scandal\w*|outrageous|criminal|scrap\w*|cut\w*|abolish\w*)\b")
_AGREEMENT = _rx(r"(?:^|(?<=[.!?]\s))(?:yes|yep|yeah|absolutely|totally|exactly|agreed|indeed|sadly|true)\b[,!. ]*(?:they|it|"
                 r"he|she|that|this)\b|\b(?:they|it|he|she) (?:really|certainly|sure|definitely) (?:are|is|do|does|have|has|did|"
                 r"was|were)\b|\b(?:so|too|very|sadly|all too|how) true\b|\b(?:you're|you are) (?:so |absolutely |totally |quite )?"
                 r"right\b|\byou're not (?:the first|wrong|alone in thinking)\b|\bwe(?:'ve| have) heard (?:that|this|the same)\b|"
                 r"\b(?:wouldn't|would not|doesn't|does not) surprise (?:us|me)\b|\bno surprise\b|\bnot surprised\b|\btell me "
                 r"about it\b|\bdon't get (?:us|me) started\b|\bcouldn't agree more\b|\bhear,? hear\b|\bwell said\b|"
                 r"\b(?:we|I) (?:totally |completely |fully |absolutely )?(?:agree|share your (?:frustration|anger|view))\b|"
                 r"\bsays it all\b|\bspot on\b")
# The comment asks the service to back a campaign and the reply joins in.
_CAMPAIGN_ASK = _rx(r"\b(?:petition|open letter|campaign|protest|march|boycott|lobby\w*|rally|demo|sign (?:our|the|this)|"
                    r"retweet|RT|share (?:our|this) (?:petition|campaign|post|letter))\b")
_CAMPAIGN_JOIN = _rx(r"(?:^|(?<=[.!?]\s))(?:done|shared|signed|sharing now|retweeted|absolutely|of course|count us in|with "
                     r"pleasure|happy to|gladly|will do)\b|\b(?:where do (?:we|I) sign|(?:happy|glad|proud|delighted) to (?:sign|"
                     r"share|support|back|retweet|join|help spread)|we(?:'ve| have) (?:signed|shared)|this needs (?:saying|"
                     r"sharing|to be said)|everyone should (?:sign|share|join|go))\b")


def _agreeing_with_attack(ctx: Context) -> list[Finding]:
    comment = ctx.comment or ""
    found = []
    if _COMMENT_ATTACK.search(comment) and (_OTHER_ORG.search(comment) or _THIRD_SINGULAR.search(comment)
                                           or re.search(r"\b(?:they|them|my ex)\b", comment, re.IGNORECASE)):
        for m in _AGREEMENT.finditer(ctx.reply):
            if not ctx.before_has(_REFUSAL_BEFORE, m.start(), _REFUSAL_REACH):
                found.append(_finding(ctx, "partiality", m.start(), m.end(),
                                      "This agrees with an attack on another party; the service must stay impartial."))
                break
    if _CAMPAIGN_ASK.search(comment):
        for m in _CAMPAIGN_JOIN.finditer(ctx.reply):
            if not ctx.before_has(_REFUSAL_BEFORE, m.start(), _REFUSAL_REACH):
                found.append(_finding(ctx, "partiality", m.start(), m.end(),
                                      "This backs a campaign; the service must stay impartial."))
                break
    return found


def _opinion_on_request(ctx: Context) -> list[Finding]:
    if not (ctx.comment and _OPINION_REQUEST.search(ctx.comment)):
        return []
    found = []
    for m in _OPINION_GIVEN.finditer(ctx.reply):
        if ctx.before_has(_REFUSAL_BEFORE, m.start(), _REFUSAL_REACH) or ctx.before_has(_NEGATION_BEFORE, m.start(), 60):
            continue
        found.append(_finding(ctx, "partiality", m.start(), m.end(),
                              "This gives the service's opinion when asked for one; stay impartial and give information."))
        break
    return found


def check_partiality(ctx: Context) -> list[Finding]:
    scanned, rest = ctx.reply_only("partiality", _partiality_reply)
    found = list(scanned)
    found += _opinion_on_request(ctx)
    if ctx.comment:
        found += _agreeing_with_attack(ctx)
    return found + list(rest)


def _partiality_reply(ctx: Context) -> tuple:
    scanned = tuple(_scan(ctx, "partiality", _PARTIALITY, skip=_skip_partiality))
    found = _judgements(ctx)
    found += _scan(ctx, "partiality", _DISREGARD, skip=_negated)
    for m in _RECOMMEND_BRAND.finditer(ctx.reply):
        word = re.sub(r"['\u2019]s$", "", m.group(1))
        if word not in _SIGNPOST_ORGS and word.lower() not in _COMMON_CAPS and word.lower() not in _service_words():
            found.append(_finding(ctx, "partiality", m.start(), m.end(),
                                  "This endorses a brand or company; the service must stay impartial."))
    return scanned, tuple(found)


# --------------------------------------------------------------------------------------------------
# offensive
# --------------------------------------------------------------------------------------------------

# Words in better_profanity's list that are normal (or needed) in SEND, health, safeguarding, RSE and
# childcare conversations, or ordinary English words / names. They are never flagged on their own.
PROFANITY_WHITELIST = frozenset("""
sex sexual transsexual gay gays lesbians queer god omg xx xxx
anal anus breasts nipple nipples penis vagina vulva labia clitoris testes teste testee testical testicle testis
scrotum rectal rectum rectus pubic pubis glans foreskin uterus womb ovary ovum ovums semen sperm erection erect
menses menstruate menstruation pms tampon hymen orally oral organ facial stroke vomit urine urinal hiv herpes
pee potty nappy undies pantie panties panty tinkle poop crotch loin loins teat muff knob
kill murder rape raped rapist molest pedophile pedophilia incest naked nude nudes porn pornography slave
drunk valium opiate opium heroin viagra hemp weed pot rum vodka hooch hookah
fat dummy screw screwed screwing suck sucked sucking hump thrust strip sniper snatch seaman seamen sandbar
pawn len maxi revue enlargement penetrate penetration wad whiz willies woody wang toots tush arian asanchez
foobar slope niggle willy
""".split())

# Our own list: disability slurs and insults, matched as whole words (case-insensitive).
_SLURS = _rx(
    r"\b(?:re+tard(?:s|ed|ation)?|libtard|r-tard|spastic|spastics|spaz+|spazzy|spacker|spack|spacca?|spaccy|spacky|"
    r"mong|mongs|mongy|mongo|mongoloid|cripple|cripples|crippled|crip|midget|midgets|psycho|psychos|schizo|"
    r"nutter|nutters|nutcase|loony|loonies|lunatic|lunatics|headcase|basket case|window licker|brain[- ]dead|"
    r"idiot|idiots|idiotic|imbecile|cretin|halfwit|half-wit|dimwit|numpty|muppet|plonker|pillock|prat|clown|"
    r"loser|freak|freaks|dumb|thicko|simpleton|deaf and dumb)\b")
_INSULTS = "thick|stupid|dense|dim|mental|mad|insane|crazy|nuts|bonkers|an idiot|a moron|a joke|pathetic"
_INSULT_ADJ = r"(?:" + _INSULTS + r")"
_ABLEIST_QUESTION = _rx(
    r"\bare you\s+(?:a bit |being |so |just |really |completely |totally )?(?:autistic|retarded|special|simple|slow|"
    r"deaf|blind|" + _INSULTS + r")\b"
    r"|\b(?:you're|you are|he's|she's|they're|he is|she is|they are)\s+(?:a bit |being |so |just |really |completely |"
    r"totally )?" + _INSULT_ADJ + r"\b")
# Dismissive imperatives only count at the start of a sentence or clause ("Get lost then", "..., deal with it"),
# so that "as children grow up" or "it's easy to get lost in the process" stay fine.
# Between the clause start and the words only spaces on the same line: a start after every line break of a long
# run of blank lines used to read the rest of the run (quadratic); starting after the last line break finds
# the same words (and _scan trims the spaces off the evidence).
_CLAUSE_START = r"(?:^|(?<=[.!?,;:\n\u2013\u2014-]))[^\S\n]*(?:(?:just|so|now|well|oh|then|please|and)\s+)?"
_DISMISSIVE: Patterns = [
    (_rx(_CLAUSE_START + r"(?:get lost|go away|jog on|sod off|bugger off|clear off|shut up|pipe down|buzz off|"
         r"go somewhere else|go elsewhere|deal with it|get over it|get a grip|grow up|man up|toughen up|get a life|"
         r"take it up with|go and complain to|complain to someone else|tough luck|hard luck|"
         r"(?:tough|too bad)(?=\s*[.!?,]|\s*$))\b"),
     "This is rude or dismissive; be respectful, polite and patient."),
    (_rx(r"\b(?:(?:nobody|no one|no-one)(?:'s|\u2019s| is) forcing you|(?:nobody|no one|no-one) (?:asked|cares)|"
         r"who cares|not (?:our|my) (?:problem|job)|(?:that's|it's|that is|it is) (?:your (?:own )?problem|"
         r"not our problem)|snowflake|stop (?:moaning|whining|whinging|complaining|going on|being (?:so )?dramatic|"
         r"overreacting)|quit (?:moaning|whining|complaining)|like it or lump it|take it or leave it|"
         r"if you don't like it|cry (?:me )?a river|you people|people like you|your sort|your lot|you lot)\b"
         r"|\bsome people (?:just |really |clearly )?(?:never|can't|don't|won't) (?:read|listen|learn|get it|bother|"
         r"understand)\b"),
     "This is rude or dismissive; be respectful, polite and patient."),
    (_rx(r"\byou(?:'re| are)\s+being\s+(?:really |so |very |a bit |just |quite )?(?:ridiculous|silly|dramatic|"
         r"difficult|unreasonable|awkward|childish|rude|stupid|petty|precious|hysterical|paranoid)\b"
         r"|\b(?:calm down|chill out|don't be (?:so )?(?:silly|ridiculous|dramatic|daft|stupid)|"
         r"overreact(?:ing|ed)?|over-react(?:ing|ed)?|over react(?:ing|ed)?|attention[- ]seeking|drama queen|"
         r"making a fuss|hysterical|pathetic)\b"),
     "This belittles the person; be respectful, polite and patient."),
    (_rx(r"\b(?:just |go and |maybe |why not )?read (?:the|our) (?:website|post|FAQs?|page|pinned post|bio|"
         r"information|info)(?:\s+(?:first|before|again|properly|then))?\s*(?:[.!?]|$)"
         r"|\b(?:just|go and|maybe|why not|try to)\s+read (?:the|our) (?:website|post|FAQs?|page|pinned post|bio)\b"
         r"|\bif you(?:'d| had| would have)\s+(?:actually |even |just )?(?:bothered|read|looked|checked|listened)\b"
         r"|\bif you (?:actually |even |just )?bothered\b"
         r"|\bas (?:we|I)(?:'ve| have)?\s+(?:already|clearly|repeatedly)\s+(?:said|explained|stated|mentioned|told you)\b"
         r"|\bas (?:we|I)(?:'ve| have)?\s+(?:said|explained|stated|mentioned|told you)\s+(?:before|already|several times|"
         r"many times|repeatedly|above)\b"
         r"|\blike (?:we|I) (?:said|already said|told you)\b|\b(?:we|I)(?:'ve| have) already (?:told|answered|explained|"
         r"said)\b|\bfor the (?:last|hundredth|100th|umpteenth|millionth|nth) time\b|\bgoogle it\b|"
         r"\bdo your (?:own )?research\b|\blearn to read\b|\bcan't you read\b|\bnot rocket science\b|"
         r"\b(?:clearly|obviously) you (?:didn't|don't|haven't|can't|weren't)\b|\byou (?:clearly|obviously) (?:didn't|"
         r"don't|haven't|can't|weren't)\b"
         r"|\b(?:well,?\s+)?obviously,?\s+(?:you|not|it's|it is|that's|that is|this is|the answer)\b|\b(?:is|are|was|"
         r"were) obviously\b|\bobviously\s*[.!?]|\bgood luck with that\b|\bthanks for nothing\b|\bwell done you\b|"
         r"\bnice try\b|\bno offen[cs]e,? but\b|\bwith (?:all )?due respect\b"),
     "This sounds impatient or sarcastic; be respectful, polite and patient."),
    (_rx(r"(?:^|(?<=[.!?,]\s)|(?<=^\s)|\b(?:yeah|yes|ok|okay|fine)\s*,?\s*)whatever\s*(?:[.!?,]|$)"
         r"|(?:^|(?<=[.!?]\s))(?:sigh|duh|meh|ugh|seriously|really)\s*[.!?]+"
         r"|\b(?:lol|lmao|lmfao|rofl|smh|ffs|omfg|jeez|pfft|ugh+|duh|meh|tsk)\b|\bnot this again\b|\*sigh\*|"
         r"\b(?:already|we've|we have|I've|I have) answered (?:this|that)(?: question)?(?: (?:before|already|"
         r"yesterday|last week|many times|several times|twice))?\b|[\U0001F644\U0001F926\U0001F612\U0001F937\U0001F595]"),
     "This sounds impatient or sarcastic; be respectful, polite and patient."),
    (_rx(r"\b(?:do|did) you (?:even|actually|ever) (?:read|look|listen|check)\b|\bgrow a (?:thicker )?skin\b|"
         r"\bexpect us to do everything\b|\b(?:nobody|no one|we) (?:has|have|haven't got|don't have) (?:the )?time "
         r"for this\b|\b(?:can't|couldn't|cannot) be bothered\b|\bwast(?:ing|e of) (?:our|my) time\b|\bstop spamming\b|"
         r"\bwhat (?:do|did) you expect\b|\bread (?:our|my|the) (?:reply|response|message|email|post|answer) "
         r"(?:properly|again|carefully)\b|\b(?:spoilt |spoiled )?brats?\b|\bferal\b|\bnormal (?:kids|children|pupils|"
         r"people)\b|\bshouldn't (?:be allowed to )?have (?:kids|children)\b"),
     "This is rude, belittling or discriminatory; be respectful, polite and patient."),
    (_rx(r"\b(?:liar|liars|crook|crooks|criminals|fraudsters?|scammers?|con artists?)\b|\bgo back to (?:your|where you)\b"),
     "This is offensive or could be libellous; never post it."),
    # Name-calling and put-downs aimed at the person, whatever they said first.
    (_rx(r"\byou\s+(?:(?:sad|little|pathetic|ignorant|stupid|absolute|utter|complete|total|bloody|nasty|vile|silly|"
         r"bitter|miserable|horrible|tiny|small-minded|narrow-minded|poor|old)\s+)*(?:troll|moron|idiot|loser|clown|"
         r"joke|fool|bigot|snowflake|muppet|numpty|halfwit|hypocrite|coward|waste of space|piece of work|nobody|"
         r"keyboard warrior|child|baby|dinosaur|nutter|weirdo|creep|saddo)s?\b"
         r"|\b(?:sad|pathetic|nasty|ignorant|bitter)\s+(?:little\s+|old\s+)?(?:troll|man|woman|person|people|individual)s?\b"
         r"|\bignorant\b(?!\s+of\b)|\bbigot(?:s|ed|ry)?\b|\btakes one to know one\b|\bcrawl back\b|\bunder (?:your|a|that)"
         r" rock\b|\bget off (?:my|our|this) (?:page|post|feed)\b|\bwho (?:asked|cares what) you\b|\bget a (?:clue|brain)\b"
         r"|\b(?:what|such) an?\s+(?:\w+\s+)?(?:ignorant|stupid|ridiculous|pathetic|moronic|absurd|silly|dumb|daft|vile|"
         r"disgusting|bigoted|hateful|idiotic|nasty|small-minded)\s+(?:comment|thing|question|post|remark|attitude|"
         r"person|thing to say|view|opinion|take|reply|message)\b"),
     "This insults the person; be respectful, polite and patient, and report abuse instead of answering it."),
    # Impatience and sarcasm: "as it says on literally every post", "read before asking", "a bit of patience
    # would be nice", "Next.".
    (_rx(r"\bliterally\s+(?:every|all|everywhere|always|anywhere|on every|in every|on our|at the top)\b"
         r"|\bas (?:it|we|I|the post|our (?:website|page|bio|post))\s+(?:clearly\s+|already\s+|plainly\s+)?(?:says?|said|"
         r"state[sd]?|explain(?:s|ed)?|mention(?:s|ed)?|post(?:s|ed)?|point(?:s|ed) out)\s+(?:on|in|at|above|below)\s+"
         r"(?:literally\s+)?(?:every|each|all|the top)\b"
         r"|\b(?:read|check|look|scroll)\s+(?:\w+\s+){0,4}?(?:before|first before)\s+(?:asking|posting|commenting|"
         r"you (?:ask|post|comment))\b"
         r"|\b(?:a (?:bit|little|tiny bit) of|some|a little more|a bit more|more)\s+(?:understanding|patience|respect|"
         r"gratitude|appreciation|common sense|manners|effort|courtesy|kindness)\s+(?:would(?:n't)? (?:be nice|go amiss|"
         r"hurt|help)|goes a long way|wouldn't go amiss|please)\b"
         r"|\bwouldn't go amiss\b|\bwould(?:n't)? (?:it )?kill you\b|\btry being (?:more |a bit more |a little more )?"
         r"(?:patient|polite|grateful|nice|understanding|reasonable)\b"
         r"|\bshock horror\b|\bnewsflash\b|\bhate to break it to you\b"
         r"|\bsorry (?:to (?:burst your bubble|disappoint)|not sorry)\b|\bif you say so\b|\bheaven forbid\b"
         r"|(?:^|(?<=[.!?]\s))(?:Next|Moving on|Case closed|End of|Rant over|Bye now|Bye then|Whatever you say|"
         r"Thanks for your input|Noted)\s*[.!]+(?=\s|$)"),
     "This sounds impatient or sarcastic; be respectful, polite and patient."),
    # Condescension: rhetorical questions and lectures aimed at the person ("Have you tried looking at a map?",
    # "how many times do we have to say", "It's not complicated", "Educate yourself").
    (_rx(r"\bhow many (?:more )?times (?:do|have|must|did|will|should) (?:we|I)\b|\bwhat part of\b|\bhow hard (?:is|can) it "
         r"be\b|\bis it (?:really )?that (?:hard|difficult)\b|\b(?:did|do) you not (?:see|read|notice)\b|\bhave you (?:even\s+)?"
         r"(?:tried|thought about|considered) (?:looking|reading|using|googling|scrolling|checking)\s+(?:at\s+)?(?:a map|"
         r"google|your eyes|the (?:post|page|comments|pinned post)|up)\b|\bhave you tried (?:google|googling)\b"
         r"|\b(?:it's|it is|this is|that's|that is|it isn't|this isn't)\s+(?:not\s+|hardly\s+|really not\s+)?(?:that\s+)?"
         r"(?:complicated|difficult|hard|rocket science|brain surgery|a difficult concept)\s*(?:[.!]|$)"
         r"|\b(?:educate|inform) yourself\b|\bdo (?:some|a bit of|your|a little) (?:reading|homework|research)\b|"
         r"\b(?:the )?same (?:way|as) (?:everyone|everybody|every other \w+) else\b|\bpatience is a virtue\b"
         r"|\b(?:we|I)(?:'ll| will) (\w+) when (?:we|I) \1\b|\bwhen we get (?:round|around) to it\b|\bin our own time\b"
         r"|\b(?:you're|you are|you)\s+(?:clearly|obviously|certainly|such|so)\s+(?:a (?:delight|joy|treat|pleasure|ray of "
         r"sunshine|genius|expert)|an expert|charming|a charmer)\b|\bthanks for your (?:valuable|insightful|helpful|"
         r"constructive|useful) (?:contribution|input|wisdom|opinion)\b|\bthanks for (?:sharing )?your (?:expert )?opinion,"
         r"? (?:not|but)\b"
         r"|\b(?:watch|mind) your (?:tone|language|mouth|manners)\b|\bhow dare you\b|\b(?:don't|do not) you dare\b"
         r"|\bwe(?:'re| are) not (?:your|a) (?:personal|free|24/7)\b|\bwe(?:'re| are) not (?:magicians|miracle workers|"
         r"mind readers)\b|\bbefore you (?:moan|complain|start moaning)\b|\bnot (?:our|my) job to\b"
         r"|\byou(?:'ll| will) (?:just )?have to wait like everyone else\b"
         r"|(?:^|(?<=[.!?]\s))(?:not|hardly)\s+(?:that |exactly |very |too |so )?(?:hard|difficult|tricky|complicated)\b"
         r"|\b(?:says|said|it says|it's written) so (?:in|on|right)\b|(?:^|(?<=[.!?,]\s))(?:er+m?|um+|uh+|hmm+),?\s+(?:yes|no|"
         r"yeah|nope)\?|(?:^|(?<=[.!?]\s))(?:yes|no|yeah)\?(?=\s)"
         r"|\bspoken like\b|(?:^|(?<=[.!?]\s))do better\b|\b(?:someone|somebody|people|anyone) who(?:'s| has|'ve| have) "
         r"(?:clearly |obviously )?never (?:met|had|raised|dealt with|looked after|cared for|been near)\b"
         r"|(?:^|(?<=[.!?]\s))(?:clearly|obviously|evidently),?\s+(?:since|as|because|not|yes|no)\b"
         r"|(?:^|(?<=[.!?]\s))like (?:every|any|all) other\b|\b(?:in|of) the (?:country|world|universe)\s*[.!]"
         r"|,\s*you know\s*[.!?]*\s*$|\bsome of us (?:have|actually|work|are (?:busy|trying))\b"
         r"|\bhardly\b[^.!?]*\b(?:is|was|does|did|do|are|were|has|have)\s+(?:it|you|they|he|she)\s*\?"
         r"|\bgo (?:and )?(?:troll|bother|annoy|harass|moan at|whinge at|pester|spam) (?:someone|somebody|people|another)"
         r"|\bsomeone else's (?:page|problem|time)\b|\b(?:stop|quit) troll(?:ing)?\b"
         r"|\blike (?:it|we|the (?:post|page|website|bio)) (?:tells?|told|says?|said|asks?|asked) you(?: to)?\b|\bas instructed\b"
         r"|(?:^|(?<=[.!?,]\s))(?:scroll up|chill(?: out)?|relax|look it up|google it|move on|get over it|wow|yawn|okay then|"
         r"ok then|right then|cool story)\s*[.!]+(?=\s|$)(?<!wow!)(?<!Wow!)"
         r"|\bno need (?:to|for) (?:shout|shouting|be rude|the (?:tone|attitude|caps|capitals)|that (?:tone|attitude)|caps|"
         r"capitals|the drama)\b|\bthere's no need for (?:that|the|this)\b"
         r"|\bfeel free to (?:go elsewhere|go somewhere else|use (?:another|a different) service|find (?:another|a "
         r"different)|leave|unfollow|take your|complain elsewhere)\b"
         r"|\b(?:hope|hopefully) you (?:never|don't ever) (?:need|have|get)\b|\bkarma\b|\bwait (?:till|until) it's you\b"
         r"|\b(?:answered|replied|responded|told you|explained)\s+(?:this\s+|that\s+)?(?:\d+|two|three|four|several|"
         r"multiple|many|a few|a dozen|loads of)\s+times\b"
         r"|\b(?:she|he|they|we)\s+knows?\s+what (?:she's|he's|they're|we're|she is|he is|they are|we are) (?:doing|talking "
         r"about)\b|\b(?:I|we) think (?:she|he|they|we) knows?\s*[.!]"
         r"|,\s*(?:is|was|does|did|are|were|has|have|isn't|wasn't|doesn't|didn't)\s+(?:he|she|it|they|you)\s*\?\s*$"
         r"|\b(\w+) (?:are|is) the \2\b|\bit is what it is\b|\brules are rules\b|\b(?:can't|cannot|aren't|are not|not)\s+"
         r"(?:be\s+)?(?:open|available|here|on call|at your beck and call)\s+24/7\b|\bbeck and call\b"
         r"|\bwe (?:have|'ve got|have got) (?:lives|families|homes|a life)(?: too| as well)?\b|\bwe(?:'re| are) (?:only|just) "
         r"human\b|\bwe(?:'re| are) not (?:robots|machines|superhuman)\b"
         r"|\ba (?:quick|simple|two[- ]second) (?:google|search|look|read|glance)\b|\b(?:would|could|might)(?:'ve| have) "
         r"told you (?:that|this)\b"
         r"|\b(?:bye then|bye now|bye bye|see ya|good riddance|don't let the door hit you)\b"
         r"|\b(?:it says|as it says|it's|it is|like it says|same as it says)\s+(?:in|on)\s+the\s+(?:\w+\s+){0,2}posts?\s+"
         r"(?:above|below)\b|[\U0001F643\U0001F60F]"
         r"|\bpatience,? please\b|\bhave (?:some|a little|a bit of) patience\b"
         r"|(?:^|(?<=[.!?]\s))(?:so (?:is|are|do|does|did|was) (?:you|your)|same to you|right back at (?:you|ya)|back at you|"
         r"look who's talking|pot,? kettle)\b"
         r"|\b(?:dr\.? google|professor google|google university|university of google|armchair (?:expert|doctor)|"
         r"keyboard warriors?)\b"
         r"|\bliterally\s+(?:what|the whole|the point|the reason|why|how|every|all|everywhere|always|on|in|at|says|said|"
         r"told|just (?:said|posted|told|answered))\b"
         r"|\bsomeone(?:'s| is) (?:having a bad day|grumpy|in a mood|touchy|a bit sensitive|sensitive|cranky|"
         r"feeling brave)\b|\b(?:try|learn to|maybe|just)\s+\w+(?:ing)?\s+(?:it\s+|them\s+|the \w+\s+)?properly\b"
         r"|\boh please\b|\bget your facts (?:right|straight)\b|\b(?:check|do) your facts\b"
         r"|\bthe clue(?:'s| is) in the (?:name|title|question)\b|\b(?:omg|oh my god|oh my days),?\s+(?:it's|it is|that's|"
         r"you|read|seriously|really)\b"),
     "This talks down to the person; be respectful, polite and patient."),
    # Deriding what the person wrote ("Because it was rubbish", "your comment was nonsense").
    (_rx(r"\b(?:your|the|that|this|it|which)\s+(?:(?:comment|post|question|review|message|complaint|point|argument|"
         r"opinion|rant|idea)s?\s+)?(?:was|is|'s|were|are)\s+(?:just\s+|complete\s+|total\s+|utter\s+|absolute\s+|"
         r"pure\s+|a load of\s+)?(?:rubbish|nonsense|garbage|drivel|trash|tripe|twaddle|rot|spam|pointless|irrelevant|"
         r"a waste of (?:time|space)|not worth (?:answering|replying to|our time))\b"),
     "This belittles what the person wrote; answer politely or point to the complaints procedure."),
]
_SILLY_QUESTION = _rx(r"\b(?:stupid|silly|dumb|daft|ridiculous|pointless|idiotic|strange|weird|odd|obvious|petty)\s+"
                      r"(?:questions?|complaints?|comments?|posts?|ideas?|things? to (?:say|ask))\b")
_KIND_BEFORE = _rx(r"(?:no such thing as|not|never|isn't|wasn't|aren't|no|there are no)\s+(?:a|an|any)?\s*"
                   r"(?:\w+\s+)?$")

_MASKED_SWEAR = _rx(r"\b[a-z]+[*#@$%]{1,4}[a-z]+\b|\b[fs][*#]{2,}\w*")
_WORD_TOKEN = re.compile(r"[A-Za-z0-9@$*]+(?:[!+'\u2019\-][A-Za-z0-9@$*]+)*")
# Words of up to 41 capitals (an apostrophe between them starts a new try, so unbounded words made a long run of
# "A'A'A'..." quadratic); nothing inside a word or its trailing spaces is given back.
_SHOUTING = re.compile(r"\b(?:[A-Z][A-Z']{1,40}+[!?.,]*+\s++){2,}[A-Z][A-Z']{1,40}\b")
_ACRONYMS = frozenset("""
SEND SEN EHCP EHC EHCPS SENCO SENDCO SENDIASS IASS IAS LA LEA NHS GP CAMHS SALT OT TA IPSEA ADHD ASD ASC PDA OCD
ODD GDD DLD APD SPD FASD PMLD SLD MLD UK DLA PIP UC ESA FAQ FAQS DM PM CEO MP DFE OFSTED SENA LEICESTER CYP
SENDCOS PA IEP IBP SEMH SLCN VI HI MSI PD BSL AAC RSE PSHE GCSE GCSES KS KS1 KS2 KS3 KS4 EYFS SATS ABA OK PE
""".split())


_CANON = str.maketrans({"l": "i", "v": "u"})


class _ProfanityIndex:
    """better_profanity's word list indexed for fast whole-token lookups (leetspeak variants included)."""

    def __init__(self):
        profanity.load_censor_words()
        self.exact: set[str] = set()
        self.buckets: dict[tuple[int, str], list] = {}  # (length, first char variant) -> words
        self.by_canon: dict[str, list] = {}  # letters-only form (l->i, v->u) -> words
        self.phrases: dict[int, set[str]] = {}
        for vs in profanity.CENSOR_WORDSET:
            word = str(vs)
            if word in PROFANITY_WHITELIST:
                continue
            if " " in word:
                self.phrases.setdefault(word.count(" ") + 1, set()).add(word)
                continue
            self.exact.add(word)
            self.by_canon.setdefault(word.translate(_CANON), []).append(vs)
            firsts = profanity.CHARS_MAPPING.get(word[0], (word[0],))
            for first in firsts:
                if first:
                    self.buckets.setdefault((len(word), first), []).append(vs)
        self.whitelisted_variants = [VS for VS in profanity.CENSOR_WORDSET if str(VS) in PROFANITY_WHITELIST]
        self._seen: dict[str, bool] = {}  # token -> answer (comparing spelling variants is slow; tokens repeat)

    def is_profane(self, token: str) -> bool:
        known = self._seen.get(token)
        if known is None:
            if len(self._seen) > 50_000:
                self._seen.clear()
            known = self._seen[token] = self._is_profane(token)
        return known

    def _is_profane(self, token: str) -> bool:
        t = token.lower()
        if t in PROFANITY_WHITELIST:
            return False
        if t in self.exact:
            return True
        if t.isascii() and t.isalpha():  # only i/l and u/v swaps are possible: a tiny candidate list
            candidates = self.by_canon.get(t.translate(_CANON), ())
        else:
            candidates = self.buckets.get((len(t), t[0]), ())
        for vs in candidates:
            if vs == t:
                # a spelling variant; not when it is also a variant of a whitelisted word
                return not any(w == t for w in self.whitelisted_variants)
        return False


@lru_cache(maxsize=1)
def _profanity_index() -> _ProfanityIndex:
    return _ProfanityIndex()


def _profane_spans(text: str) -> list[tuple[int, int]]:
    index = _profanity_index()
    tokens = [(m.start(), m.end(), m.group(0)) for m in _WORD_TOKEN.finditer(text)]
    spans = []
    for s, e, tok in tokens:
        core = re.sub(r"(?:'s|\u2019s)$", "", tok)
        if index.is_profane(core):
            spans.append((s, e))
            continue
        if "-" in core:
            off = s
            for part in core.split("-"):
                if part and index.is_profane(part):
                    spans.append((off, off + len(part)))
                off += len(part) + 1
    for n, phrases in index.phrases.items():
        for i in range(len(tokens) - n + 1):
            gram = " ".join(t[2].lower() for t in tokens[i:i + n])
            if gram in phrases:
                spans.append((tokens[i][0], tokens[i + n - 1][1]))
    return spans


def offensive_spans(text: str) -> list[tuple[int, int]]:
    """Swear words (the maintained list, minus the SEND whitelist) and slurs in any text."""
    return _profane_spans(text) + [m.span() for m in _SLURS.finditer(text)]


def check_offensive(ctx: Context) -> list[Finding]:
    return list(ctx.reply_only("offensive", lambda c: tuple(_offensive(c))))


def _offensive(ctx: Context) -> list[Finding]:
    reply = ctx.reply
    found = [_finding(ctx, "offensive", s, e, "This contains a swear word or offensive term; never post it.")
             for s, e in _profane_spans(reply)]
    for m in _MASKED_SWEAR.finditer(reply):
        if "@" in m.group(0) and _email_spans(reply[max(0, m.start() - 40):m.end() + 40]):
            continue
        found.append(_finding(ctx, "offensive", m.start(), m.end(),
                              "This contains a (masked) swear word; never post it."))
    for m in _finditer(ctx, _SLURS):
        found.append(_finding(ctx, "offensive", m.start(), m.end(),
                              "This is an insult or a discriminatory term; never post it."))
    for m in _finditer(ctx, _ABLEIST_QUESTION):
        found.append(_finding(ctx, "offensive", m.start(), m.end(),
                              "This insults the person; be respectful, polite and patient."))
    found += _scan(ctx, "offensive", _DISMISSIVE)
    for m in _finditer(ctx, _SILLY_QUESTION):
        if not _KIND_BEFORE.search(reply, max(0, m.start() - 30), m.start()):  # "no such thing as a silly question"
            found.append(_finding(ctx, "offensive", m.start(), m.end(),
                                  "This belittles the person's question; every question deserves a polite answer."))
    for m in _SHOUTING.finditer(reply):
        words = re.findall(r"[A-Z][A-Z']+", m.group(0))
        if sum(1 for w in words if w not in _ACRONYMS) >= 3:
            found.append(_finding(ctx, "offensive", m.start(), m.end(),
                                  "This is written in capitals, which reads as shouting; be polite and patient."))
    return found


# --------------------------------------------------------------------------------------------------
# missing_redirect
# --------------------------------------------------------------------------------------------------

_DETAIL = (r"(?:details|detail|number|phone number|mobile(?: number)?|email|e-mail|email address|address|postcode|"
           r"name|full name|date of birth|DOB|school|school name|age|year group|story|situation|circumstances|case|"
           r"info|information|diagnosis|contact details|NHS number)")
_PUBLIC_PLACE = r"(?:below|here|in the comments?|on this post|in this thread|on this thread|publicly|on here|underneath|in a comment|in the thread)"
_PRIVATE = _rx(r"\b(?:privately|in private|in confidence|confidential(?:ly)?|direct message|private message|DM|PM|inbox|"
               r"message us|by phone|on the phone|phone us|call us|ring us|give us a (?:call|ring)|email us|e-mail us|"
               r"by e-?mail|when you (?:call|ring|phone|email|e-mail|get in touch|contact)|contact us|feedback and complaints|"
               r"complaints? (?:procedure|process|form)|feedback (?:procedure|process|form))\b|@|\b0\d{3}")

_INVITE_PUBLIC: Patterns = [
    (_rx(r"\b(?:post|share|put|leave|drop|write|pop|add|list|type|comment|reply with|send us|give us|tell us|"
         r"let us (?:know|have))\b[^.!?\n]{0,40}?\b" + _DETAIL + r"\b[^.!?\n]{0,25}?\b" + _PUBLIC_PLACE + r"(?!\w)"),
     "This asks for personal details in public; ask people to phone or e-mail instead."),
    (_rx(r"\b(?:comment|reply|respond|post|answer)\s+(?:below\s+|here\s+)?(?:with\s+)?(?:your|his|her|their|the)\s+"
         r"(?:child's\s+|son's\s+|daughter's\s+|\w+\s+)?" + _DETAIL + r"\b"),
     "This asks for personal details in public; ask people to phone or e-mail instead."),
]
_INVITE_UNLESS_PRIVATE: Patterns = [
    (_rx(r"\b(?:let us know|tell us|share|give us|send us|what(?:'s| is)|which is|can we (?:have|get))\b[^.!?\n]{0,20}?"
         r"\b(?:your (?:child's |son's |daughter's |little one's )?|his |her |their |the child's |the )(?:full )?"
         r"(?:name|school|age|date of birth|DOB|address|postcode|diagnosis|phone number|number|email|e-mail|"
         r"details|year group)\b"),
     "This asks for personal details in public; ask people to phone or e-mail instead."),
    (_rx(r"\b(?:tell|give|send|share with)\s+us\s+(?:a (?:bit|little) |some )?more\b|\bshare (?:a (?:bit|little) )?more\b"
         r"|\b(?:tell|give) us (?:more|some) (?:details|information|info)\b|\bexplain (?:a (?:bit|little) )?more\b"
         r"|\bmore details\?"),
     "This invites more details in public; ask people to phone or e-mail instead."),
    (_rx(r"\b(?:what|which) school (?:is|does|do)\b|\bhow old is\b|\bwhat (?:age|year) is\b|"
         r"\bwhat(?:'s| is) (?:his|her|their|your child's|your son's|your daughter's) (?:name|diagnosis)\b|"
         r"\bwhere (?:does|do) (?:he|she|they) go to school\b|\bhas (?:he|she|they) (?:got|been diagnosed)\b|"
         r"\bdoes (?:he|she|they) have an? (?:EHCP|diagnosis|EHC plan)\b"),
     "This asks about the person's case in public; ask people to phone or e-mail instead."),
]


# A question about the child's own case ("Is he on SEN support?", "When is her annual review?")
_CASE_QUESTION_WHO = _rx(r"\b(?:he|she|him|his|her|your\s+" + _KID + r"(?:'s)?|your\s+(?:EHCP|plan|case|review))\b")
_CASE_QUESTION_WHAT = _rx(r"\b" + _CASE_WORDS + r"\b|\b(?:school|nursery|college|age|old|year|name|diagnosed|"
                          r"happened|going on)\b")


def _has_official_contact(text: str) -> bool:
    phone_rx, email_rx, _, _ = _profile_rx()
    return bool(phone_rx.search(text) or email_rx.search(text))


# Messages of the whole-reply findings for something MISSING (the rewrite adds a sentence, cuts nothing).
_MISSING_REDIRECT = "The comment shares personal details, so the reply must send the person to"
_MISSING_ROUTE = "The comment criticises the service, so the reply must point to our feedback and complaints procedure."


def _is_missing(f: Finding) -> bool:
    return f.message.startswith(_MISSING_REDIRECT) or f.message == _MISSING_ROUTE


def check_missing_redirect(ctx: Context) -> list[Finding]:
    invitations, has_contact = ctx.reply_only("missing_redirect", _missing_redirect_reply)
    found = list(invitations)
    if ctx.disclosure and not has_contact:
        p = _profile()
        found.append(_finding(ctx, "missing_redirect", 0, len(ctx.reply),
                              _MISSING_REDIRECT + f" {p.phone} or {p.email} to talk in confidence."))
    return found


def _missing_redirect_reply(ctx: Context) -> tuple:
    found = _scan(ctx, "missing_redirect", _INVITE_PUBLIC, skip=_negated)

    def private_sentence(c: Context, m: re.Match) -> bool:
        return c.sentence_has(_PRIVATE, m.start()) or _negated(c, m)

    found += _scan(ctx, "missing_redirect", _INVITE_UNLESS_PRIVATE, skip=private_sentence)
    for s, e in ctx.sentences:
        sentence = ctx.reply[s:e]
        if sentence.rstrip().endswith("?") and _CASE_QUESTION_WHO.search(sentence) \
                and _CASE_QUESTION_WHAT.search(sentence) and not _PRIVATE.search(sentence):
            found.append(_finding(ctx, "missing_redirect", s, e,
                                  "This asks about the person's own case in public; ask them to phone or e-mail "
                                  "instead."))
    return tuple(found), _has_official_contact(ctx.reply)


# --------------------------------------------------------------------------------------------------
# complaint_not_routed
# --------------------------------------------------------------------------------------------------

_ARGUE: Patterns = [
    (_rx(r"\b(?:(?:that's|that is|this is|that was|this was)\s+(?:simply |just |absolutely |really |definitely )?not|"
         r"that isn't|this isn't|that wasn't|this wasn't)\s+(?:quite |entirely |strictly |really |completely |actually )?"
         r"(?:true|correct|accurate|what happened|the case|right|how it happened|fair on us)\b(?!\s+that\b)"
         r"|\b(?:that's|that is|this is|that was)\s+(?:simply |just |completely |totally )?(?:untrue|false|a lie|"
         r"incorrect|wrong|not how)\b(?!\s+(?:that|of|for|to)\b)"),
     "This argues with the person; acknowledge the criticism and point to the feedback/complaints procedure."),
    (_rx(r"\bno record of\b|\bwe(?:'ve| have) checked and\b|\byou must have (?:the wrong|misread|misunderstood|"
         r"missed|got the wrong|mixed)\b"
         r"|\b(?:our|the)\s+(?:records|notes|system|logs|call logs|files)\s+(?:show|shows|say|says|indicate|indicates|"
         r"suggest|suggests|prove|proves)\b|\baccording to our (?:records|notes|system|logs)\b"),
     "This argues from records in public; acknowledge the criticism and point to the feedback/complaints procedure."),
    (_rx(r"\b(?:we|I)\s+(?:did|had already|have already|already|definitely|actually)\s+(?:reply|replied|respond|"
         r"responded|answer|answered|email|emailed|call|called|ring|rang|send|sent|get back|got back|write|wrote)\b"
         r"|\b(?:we|I)(?:'ve| have)?\s+(?:already\s+)?answered (?:this|that|your)(?: question| message| email)?\s+"
         r"(?:before|already|yesterday|last week|many times|several times|twice|earlier|above)\b"
         r"|\bwe\s+(?:did\s+|have\s+|had\s+)?(?:actually\s+|already\s+|definitely\s+)?(?:tried|try) to (?:call|ring|"
         r"phone|contact|email|reach)\b|\bwe (?:called|rang|phoned|emailed|left (?:you )?(?:a )?(?:message|voicemail))"
         r"(?: you)?\s+(?:twice|three times|several times|\d+ times|but|already)"),
     "This argues about what happened; acknowledge the criticism and point to the feedback/complaints procedure."),
    (_rx(r"\b(?:not|isn't|wasn't|is not|was not)\s+(?:our|my)\s+(?:fault|responsibility)\b|\b(?:it's|it is|that's|that is|it was|that was)"
         r"\s+(?:your|your own)\s+fault\b|\bwe(?:'re| are) not (?:responsible|to blame)\b|\bnothing to do with us\b"),
     "This shifts the blame; acknowledge the criticism and point to the feedback/complaints procedure."),
    (_rx(r"\byou\s+(?:should(?:'ve|\u2019ve| have| of)|shouldn't have|ought to have)\b|\bif you(?:'d| had)\s+"
         r"(?:called|rung|phoned|read|checked|answered|picked up|listened|bothered|left)\b|\byou\s+(?:didn't|did not|"
         r"never|failed to)\s+(?:answer|pick up|reply|respond|call back|ring back|return|read|check|leave|give)\b"),
     "This blames the person; acknowledge the criticism and point to the feedback/complaints procedure."),
    (_rx(r"\b(?:nobody|no one|no-one)(?:'s|\u2019s| is) forcing you\b|" + _CLAUSE_START + r"take it up with\b|"
         r"\b(?:complain|moan)\s+to\s+(?:the council|them|someone else|your MP)\b|\bgo and complain\b|\byou(?:'re| are)\s+(?:wrong|mistaken|lying|confused|"
         r"misremembering|exaggerating)\b|\b(?:we|I)\s+(?:did nothing wrong|have done nothing wrong|did everything "
         r"right|followed (?:the|our) procedure)\b|\bthat's (?:just )?(?:how it is|the way it is)\b"),
     "This dismisses the criticism; acknowledge it and point to the feedback/complaints procedure."),
    # Defending the service instead of hearing the criticism.
    (_rx(r"\bour\s+(?:advice|advisers?|advisors?|staff|team|service|information|info|website|site|leaflets?|factsheets?|"
         r"response|answer|guidance|volunteers?|phone line|helpline|call handlers?)\s+(?:was|were|is|are|has been|"
         r"have been)\s+(?:all\s+|always\s+|completely\s+|perfectly\s+|entirely\s+|absolutely\s+|very\s+|highly\s+|"
         r"properly\s+|fully\s+|well\s+|extremely\s+|really\s+|so\s+)*"
         r"(?:correct|right|accurate|fine|appropriate|sound|working|checked|trained|qualified|professional|experienced|"
         r"excellent|good|polite|friendly|clear|easy to|up to date|not the problem)\b"
         r"|\b(?:(?:was|were|is|are|been)\s+(?:all\s+)?)?(?:checked|approved|written|reviewed|tested)\s+by\s+(?:experts|"
         r"professionals|specialists|our)\b"
         r"|\b(?:based on|from|given|with)\s+(?:the information|what|the details|the info)\s+you\s+(?:gave|told|provided|"
         r"sent|shared|gave us)\b"
         r"|\bsorry (?:that |if )?you (?:feel|felt|see it|saw it|think|thought) (?:that way|like that|this way|so|"
         r"otherwise),?\s+but\b|\bsorry you(?:'re| are| were) (?:upset|unhappy|offended),? but\b"
         r"|\bhardly (?:our|my|the service's|the team's) (?:fault|problem|responsibility|doing)\b"
         r"|\b(?:you|you've|you have) (?:may have |might have |must have |probably )?(?:misread|misunderstood|misheard|"
         r"mixed (?:it|things) up|got (?:it|the wrong)|confused)\b|\b(?:these|such) things happen\b|\bit happens\b"
         r"|\b(?:most|many|other|lots of) (?:people|parents|families|attendees)\b[^.!?]{0,30}\b(?:found it|were|are|have "
         r"been)\s+(?:really\s+|very\s+)?(?:useful|helpful|happy|fine|satisfied|positive)\b"
         r"|\b(?:your|the) (?:phone|mobile|line|voicemail|inbox)\s+(?:was|is|were)\s+(?:switched off|off|engaged|busy|full|"
         r"not working)\b|\bwe(?:'re| are) (?:confident|satisfied|happy) (?:that )?(?:our|the|we)\b"
         r"|\bwe(?:'re| are) helping more\b|\bthe (?:adviser|advisor|volunteer|staff member|caller) was (?:off sick|"
         r"ill|on leave|busy|new)\b"
         r"|\b(?:we|I)(?:'ve| have)?\s+(?:already\s+)?(?:answered|replied|responded|told you|explained)\s+(?:this\s+|that\s+)?"
         r"(?:\d+|two|three|four|several|multiple|many|a few|loads of)\s+times\b"
         r"|\b(?:she|he|they|our \w+)(?:'s|'ve| has| have) been (?:doing (?:this|the job|it)|an? (?:adviser|advisor|caseworker|"
         r"volunteer|SENCO|teacher)|working (?:here|with "
         r"us|for us)|with us)\s+for\s+(?:\d+|many|years|decades|ages)\b"
         r"|\b(?:next time|in future),?\s+(?:please\s+|just\s+)?(?:check|read|look|call|ring|try)\b|\b(?:check|read|look "
         r"at|keep an eye on|follow)\b[^.!?]{0,30}\bnext time\b"
         r"|\b(?:so |therefore )?(?:it |that |this |they )?(?:shouldn't|should not|wouldn't|should never) (?:be|have been) "
         r"(?:confusing|hard|difficult|a problem|an issue|unclear)\b"
         r"|\b(?:approved|written|designed|tested|checked|reviewed|signed off)\s+by\s+(?:experts|parents|professionals|"
         r"specialists|families|our)\b"
         r"|\b(?:we|I)\s+(?:don't|do not|can't|cannot|would)\s+(?:really\s+)?(?:agree|accept)\b(?!\s+to\b)"
         r"|\b(?:we|I)\s+(?:disagree|stand by|reject)\b"
         r"|\b(?:we're|we are|I'm|I am) (?:sure|certain|confident) (?:that |it |this )?(?:(?:that's|that is|it's|it is|"
         r"it was|that was|this was|this is) )?(?:not|isn't|wasn't|never)\b"),
     "This defends the service instead of hearing the criticism; acknowledge it and point to the feedback/"
     "complaints procedure."),
]
# Excuses and minimising ("we deal with hundreds of calls", "6 weeks isn't bad", "please be patient"): only when
# the reply does not also point to the feedback/complaints procedure.
_EXCUSE: Patterns = [
    (_rx(r"\b(?:we|our (?:staff|team|advisers?|advisors?|service|line)|the team)\s+(?:deal(?:s)? with|handle(?:s|d)?|"
         r"get(?:s)?|receive(?:s|d)?|answer(?:s|ed)?|take(?:s)?|took|had|have|has|field(?:s|ed)?|support(?:s|ed)?)\s+(?:over |more than |literally |well over )?"
         r"(?:hundreds|thousands|[\d,]{3,}|so many|loads|lots|a lot)\s+(?:of\s+)?(?:calls|emails|messages|enquiries|"
         r"families|people|requests|cases)\b"
         r"|\b(?:we're|we are)\s+(?:a |an |only a |just a )?(?:very |really |extremely |incredibly |so |such a |"
         r"tiny |small |busy )*(?:busy|small|stretched|under-?staffed|overstretched|tiny)(?:\s+(?:service|team|charity))?\b"
         r"(?=\s*(?:[,.;!]|so\b|and\b|service|team|charity|at the moment|right now|$))"
         r"|\bgiven (?:the|our) (?:demand|workload|caseload|volume|numbers)\b"
         r"|\b(?:please\s+|just\s+)?be (?:more\s+)?patient\b|\b(?:isn't|is not|wasn't|was not|not)\s+(?:that |too |so |"
         r"really )?(?:bad|long|unreasonable|much)\s+(?:given|considering|for|when)\b"
         r"|\b(?:it's|it is|that's|that is|it was|that was|the problem is|the issue is|must be|"
         r"probably)\s+(?:\w+\s+){0,4}?(?:not us|not ours|not our (?:fault|problem|end|side))\b"
         r"|\b(?:must be|probably|it's|that's|that is|it is)\s+(?:just\s+)?(?:your|the)\s+(?:browser|phone|internet|"
         r"connection|device|network|signal|wi-?fi|phone company|provider|end|settings|computer|laptop)\b"
         r"|\b(?:can't|cannot|can not|won't|will not) be held (?:responsible|accountable|liable)\b|\bnothing (?:more )?(?:we|I) "
         r"can do\b|\blike (?:every|any|all) (?:other )?(?:service|organisation|charity|team|office)\b"
         r"|\b(?:on|at) your end\b|\b(?:works?|working|loads?|loading)\s+(?:just\s+)?(?:fine|perfectly|ok|okay)\s+"
         r"(?:for|on|at|from)\s+(?:us|our end|ours|here)\b"),
     "This makes excuses or blames something else; acknowledge the criticism and point to the feedback/"
     "complaints procedure."),
]


def _complaint_reply(ctx: Context) -> tuple:
    found = _scan(ctx, "complaint_not_routed", _ARGUE)
    _, _, route_rx, _ = _profile_rx()
    routed = bool(route_rx.search(ctx.reply))
    if not routed:
        found += _scan(ctx, "complaint_not_routed", _EXCUSE)
    return tuple(found), routed


def check_complaint_not_routed(ctx: Context) -> list[Finding]:
    arguing, routed = ctx.reply_only("complaint_not_routed", _complaint_reply)
    found = list(arguing)
    if ctx.complaint:
        if not routed:
            found.append(_finding(ctx, "complaint_not_routed", 0, len(ctx.reply),
                                  _MISSING_ROUTE))
    return found


# --------------------------------------------------------------------------------------------------
# out_of_expertise
# --------------------------------------------------------------------------------------------------

_MEDS = (r"(?:melatonin|methylphenidate|ritalin|concerta|elvanse|medikinet|equasym|xaggitin|atomoxetine|strattera|"
         r"guanfacine|intuniv|dexamfetamine|lisdexamfetamine|risperidone|aripiprazole|sertraline|fluoxetine|prozac|"
         r"citalopram|clonidine|epilim|valproate|keppra|levetiracetam|lamotrigine|carbamazepine|midazolam|calpol|"
         r"paracetamol|ibuprofen|piriton|antihistamines?|anti-?depressants?|anti-?psychotics?|stimulants?|CBD(?: oil)?|"
         r"cannabis oil|omega[- ]?3s?|fish oil|magnesium|supplements?|laxatives?|movicol|sleeping (?:pills|tablets)|"
         r"medication|meds|medicine|tablets|pills)")
_PRONOUN_CHILD = (r"(?:he|she|they|your (?:son|daughter|child|little one|boy|girl|grandson|granddaughter)|"
                  r"[A-Z][a-z]+)")
_BENEFITS = (r"(?:PIP|DLA|Disability Living Allowance|Personal Independence Payment|Carer'?s Allowance|Universal Credit|"
             r"ESA|Attendance Allowance|(?:child )?tax credits?|the (?:care|mobility) component|blue badge|Motability|"
             r"council tax (?:reduction|discount|exemption)|disabled facilities grant|DFG|housing benefit|"
             r"direct payments|respite)")

_EXPERTISE: Patterns = [
    (_rx(r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|\u00b5g|ml|milligrams?|micrograms?|millilitres?)\b"),
     "This gives a medicine dose; only a doctor or pharmacist can advise on that."),
    (_rx(r"\b(?:stop|start|increase|decrease|reduce|lower|raise|up|double|halve|change|skip|adjust|come off|"
         r"wean (?:him|her|them) off|cut down(?: on)?|stop giving|stop taking|keep taking|try)\s+(?:on\s+|off\s+)?"
         r"(?:his |her |their |your |your child's |the |any |all |some )?(?:" + _MEDS + r"|dose|dosage|doses)\b"
         r"|\b(?:give|giving|try giving|put)\s+(?:him|her|them|your (?:son|daughter|child))\s+(?:on\s+)?(?:some\s+)?"
         + _MEDS + r"\b"
         r"|\b(?:the )?dose\s+(?:goes up|is increased|should be|is usually|normally|can be increased)"
         r"|\b" + _MEDS + r"\s+(?:works|worked|is great|is brilliant|helps|helped|is safe|is fine|is the answer)\b"
         r"|\b(?:he|she|they)\s+(?:should|needs? to|ought to)\s+(?:take|be on|come off|stop taking)\b"
         r"|\bprescribe\s+(?:him\s+|her\s+|them\s+)?(?:some\s+)?" + _MEDS + r"\b"
         r"|\b(?:cut(?:ting)? out|remov(?:e|ing)|avoid(?:ing)?|giv(?:e|ing) up)\s+(?:all\s+)?(?:sugar|gluten|dairy|"
         r"additives|e-?numbers|food colourings?|wheat|screens? completely)\b"
         r"|\btry(?:ing)?\s+(?:a|the)\s+(?:gluten|dairy|sugar|casein)[- ]free\s+diet\b"),
     "This gives medical advice; signpost to the GP, paediatrician or pharmacist instead."),
    (_rx(r"\b(?:it\s+)?(?:sounds|looks|seems)\s+(?:like|as if|as though)\s+" + _PRONOUN_CHILD + r"\s+(?:has|have|'s|is|"
         r"might have|may have|could have|probably has|definitely has|might be|could be|may be|is probably)\s+"
         r"(?:got\s+)?(?:a\s+|an\s+|classic\s+|textbook\s+)?" + _CONDITIONS + r"\b"
         r"|\b(?:sounds|looks|seems)\s+like\s+(?:classic\s+|textbook\s+|typical\s+)?" + _CONDITIONS + r"\b"
         r"|\b(?:classic|textbook|typical|clear|obvious)\s+(?:signs?|symptoms?|traits?|case)\s+of\b"
         r"|\b(?:he|she|they|your (?:son|daughter|child))(?:'s| is| are|'re)\s+(?:definitely|clearly|obviously|"
         r"probably|almost certainly|likely)\s+(?:autistic|dyslexic|dyspraxic|on the spectrum|neurodivergent|ADHD)"
         r"|\b(?:he|she|they|your (?:son|daughter|child))\s+(?:definitely|clearly|obviously|probably|almost certainly)"
         r"\s+(?:has|have)\s+" + _CONDITIONS + r"\b"
         r"|\bthat's\s+(?:definitely\s+|classic\s+|textbook\s+)?" + _CONDITIONS + r"\b"
         r"|\bit could be\s+" + _CONDITIONS + r"\b"
         r"|\b(?:it's|it is|that's|that is)\s+(?:probably|likely|definitely|clearly|just|almost certainly)\s+(?:just\s+)?"
         + _CONDITIONS + r"\b|\b(?:you|he|she|they)(?:'ll|\u2019ll| will)\s+(?:definitely\s+|"
         r"easily\s+|probably\s+)?(?:get|be given)\s+a diagnosis\b"),
     "This diagnoses a child; only health professionals can do that."),
    (_rx(r"(?<![A-Za-z])(?:sue|suing|sued)\b|\bSue (?:them|the|him|her)\b", 0),
     "This gives litigation advice; the service can't advise on legal action."),
    (_rx(r"\btake\s+(?:them|the school|the council|the LA|the local authority|the nursery|her|him|it|the academy|"
         r"the trust|the college|your ex)\s+to court\b|\blegal action\b|\blawsuit\b|\bget\s+(?:yourself\s+)?a\s+"
         r"(?:solicitor|lawyer|barrister)\b|\bclaim (?:for )?(?:compensation|damages)\b|\bpress charges\b"),
     "This gives legal or litigation advice; the service can't advise on legal action."),
    (_rx(r"\byou(?:'ve| have)\s+(?:got\s+)?every\s+(?:legal\s+)?right\s+to\b|\byou(?:'re| are)\s+legally\s+entitled\s+to\b"
         r"|\b(?:has|have)\s+no\s+(?:legal\s+)?right\s+to\s+(?:stop|prevent|keep|ban|exclude|refuse)\b"
         r"|\b(?:can't|cannot|can not)\s+legally\s+(?:stop|prevent|keep|ban)\b"
         r"|\b(?:apply for|seek|go for|bring|launch|start)\s+(?:a\s+)?judicial review\b"),
     "This makes a legal claim in a private dispute; the service can't decide that in public."),
    (_rx(r"\b(?:you|he|she|they|your (?:son|daughter|child))(?:'ll|\u2019ll| will| would| should| are going to|"
         r"'d)?\s*(?:definitely\s+|certainly\s+|probably\s+|easily\s+|surely\s+)?(?:get|qualify for|be entitled to|"
         r"be eligible for|be awarded|be approved for|receive|be given|be able to get)\s+(?:the\s+)?(?:higher\s+|"
         r"enhanced\s+|middle\s+|lower\s+|standard\s+|top\s+|full\s+)?(?:rate\s+)?(?:of\s+)?" + _BENEFITS + r"\b"
         r"|\b(?:higher|enhanced|middle|lower|standard|top)\s+rate\s+(?:of\s+|for\s+)?(?:the\s+)?(?:PIP|DLA|the care|"
         r"the mobility|care|mobility|daily living)\b|\b(?:is|are)\s+(?:automatically\s+)?(?:entitled|eligible)\s+(?:to|for)\s+" + _BENEFITS + r"\b"
         r"|\u00a3\s?\d+(?:[.,]\d+)?\s*(?:a|per|every)\s*(?:week|month|fortnight|year)\b"),
     "This predicts a benefits decision, which is somebody else's responsibility; signpost instead."),
    (_rx(r"\b(?:automatically|definitely|easily|certainly|always)\s+(?:qualif(?:y|ies)|(?:be |are |is )?(?:eligible|"
         r"entitled))\s+(?:for|to)\b|\b(?:qualif(?:y|ies)|(?:is|are) (?:eligible|entitled))\s+(?:for|to)\s+(?:a |the )?"
         + _BENEFITS + r"\b(?<!\bmay qualify for)"),
     "This decides eligibility for something that is somebody else's decision; signpost instead."),
    (_rx(r"\b(?:they'll|they will|it'll|it will|you'll|you will|DWP will|the DWP will)\s+(?:\w+\s+)?backdate\w*\b|"
         r"\bbackdated\s+(?:by|for|to)\s+(?:\d+|a|one|two|three|six)\b"
         r"|\b(?:most|many|nearly all|almost all|\d+\s?%\s+of)\s+(?:PIP|DLA|ESA|UC|benefit|benefits|Carer's Allowance)\s+"
         r"(?:decisions|claims|appeals|refusals)\s+(?:are|get|were)\s+(?:overturned|won|successful|changed)\b"
         r"|\b(?:apply for|you'll get|you will get|get|qualify for|entitled to)\s+(?:indefinite leave|leave to remain|"
         r"a visa|settled status|pre-settled status|citizenship|asylum|refugee status|a council house|a bigger house)\b"),
     "This answers a question that is somebody else's responsibility; signpost instead."),
    (_rx(r"\b(?:report|reported)\s+(?:them|the school|the council|the LA|the head|the headteacher|the teacher|the SENCO|"
         r"the academy|the nursery|the college|your ex|the trust)\s+to\s+(?:the\s+)?police\b|\b(?:that's|that is|it's|it is|"
         r"this is|that would be)\s+(?:a\s+)?(?:crime|criminal offence|criminal|assault|fraud|a criminal offence)\b"
         r"|\b(?:take|accept|refuse|reject|turn down)\s+the\s+(?:money|settlement|payout|pay-?off|compensation)\b"
         r"|\b(?:win|lose|won|lost|winning|losing)\s+(?:in|at)\s+court\b|\b(?:get|qualify for|entitled to|eligible for)\s+"
         r"legal aid\b"
         r"|\b(?:get|apply for|seek|go for|take out)\s+(?:a|an)\s+(?:court order|injunction|prohibited steps order|"
         r"child arrangements order|specific issue order|non-molestation order)\b|\b(?:can't|cannot|can not)\s+legally\s+"
         r"\w+"),
     "This gives legal advice about a private dispute; the service can't advise on that in public."),
    (_rx(r"\b(?:you|they)(?:'ll|\u2019ll| will)\s+(?:definitely\s+|easily\s+|probably\s+)?(?:get|be given|be offered)\s+"
         r"(?:a\s+|the\s+)?(?:council house|bigger house|priority (?:housing|banding)|band [A-D]|visa|leave to remain|"
         r"refugee status|citizenship)\b|\b(?:the council|the housing|they)\s+(?:has|have|must)\s+to\s+rehouse\b"),
     "This answers a question that is somebody else's responsibility; signpost instead."),
]

_EXPERTISE += [
    # Causes of a condition and home remedies ("ADHD is caused by diet", "a few drops a day", "swear by it").
    (_rx(r"\b" + _CONDITIONS + r"\s+(?:is|are|can be)\s+(?:mostly |mainly |usually |often |largely |all |just |"
         r"actually |really |basically |probably )?(?:caused|triggered|brought on|made worse|cured|fixed|treated)\s+"
         r"(?:by|with)\b"
         r"|\b(?:caused|triggered) by (?:diet|sugar|additives|e-?numbers|screens?|screen time|vaccines?|gluten|dairy|"
         r"bad parenting|parenting|food colourings?)\b"
         r"|\b(?:a few|a couple of|some|one|two|three|four|\d+)\s+(?:drops|tablets|pills|spoonfuls|teaspoons|capsules|"
         r"puffs|sprays|gummies|sachets)\s+(?:a|per|each|every|at)\s+(?:day|night|morning|evening|bedtime)\b"
         r"|\b(?:once|twice|three times|four times)\s+(?:a|per)\s+day\b"
         r"|\b(?:swear by|work(?:s|ed)? wonders|do(?:es)? wonders|did wonders|miracle (?:cure|worker))\b"
         r"|\b(?:cut|split|crush|halve|space out|spread out|miss|skip|double up(?: on)?|drop)\s+(?:the\s+|his\s+|her\s+|"
         r"their\s+|your\s+|a\s+)?(?:dose|dosage|doses|tablets?|pills?|capsules?|meds|medication)\b"
         r"|\b(?:give|take|have)\s+(?:it|them|the (?:tablets?|pills?|meds|medication|medicine))\s+(?:with|after|before)\s+"
         r"(?:food|meals?|milk|juice|breakfast|bed|bedtime)\b"
         r"|\b(?:half|a quarter|quarter|one|two|a|an extra|another)\s+(?:a\s+)?(?:tablet|pill|spoonful|teaspoon|capsule|"
         r"sachet|dose|drop)s?\s+of\b|\b(?:a\s+)?(?:low|small|high|higher|lower|tiny|bigger|smaller|double)\s+dose\s+of\b"
         r"|\b" + _MEDS + r"\s+(?:really |honestly |genuinely |definitely )?(?:works|worked|helps|helped|is great|is "
         r"brilliant|is safe|is fine|is the answer|knocks? (?:them|him|her) out|calms? (?:them|him|her) down)\b"
         r"|\bknocks? (?:them|him|her) out\b"
         r"|\b(?:drops?|sprays?|tablets?|pills?|gummies)\s+(?:on|under) (?:the|his|her|their) tongue\b"
         r"|\bevery\s+\d+\s*(?:-\s*\d+\s*)?(?:hours?|hrs?)\b"
         r"|\b" + _CONDITIONS + r"\s+(?:isn't|is not|aren't|are not|is no longer)\s+(?:a\s+)?(?:real|recogni[sz]ed|proper|genuine|"
         r"legit|valid)\b|\b" + _CONDITIONS + r"\s+(?:is|are)\s+(?:just\s+|all\s+)?(?:made up|a myth|a fad|over-?diagnosed|"
         r"under-?diagnosed|not real|fake|an excuse)\b"
         r"|\b(?:the |his |her |their )?(?:dose|dosage)\s+(?:is|was|sounds|seems|might be|may be|must be)\s+(?:\w+\s+)?too\s+"
         r"(?:high|low|strong|weak|much|little)\b"
         r"|\b(?:get|put|start|keep)\s+(?:him|her|them|your (?:son|daughter|child))\s+on\s+(?:some\s+)?" + _MEDS + r"\b"
         r"|\b" + _MEDS + r"\s+(?:is|are)\s+(?:much |far |way |a lot |loads )?(?:better|best|worse|safer|stronger|gentler|"
         r"more effective)\b"
         r"|\b(?:skip|ignore|forget|ditch|don't bother with|never mind)\s+(?:the\s+|what the\s+|his\s+|her\s+)?(?:OT|SALT|"
         r"speech therapist|therapist|doctor|GP|paediatrician|psychiatrist|CAMHS|consultant|physio|occupational "
         r"therapist|specialist)s?\b"),
     "This gives medical or treatment advice; signpost to the GP, paediatrician or pharmacist instead."),
    (_rx(r"\b(?:sounds|looks|seems)\s+(?:exactly|just|very much|a lot|a bit|really|definitely|totally|so much)\s+like\s+"
         r"(?:classic\s+|textbook\s+|typical\s+)?(?:" + _CONDITIONS + r"|autism|dyslexia)\b"
         r"|\b(?:I'd|I would|we'd|we would)\s+(?:say|guess|bet)\s+(?:it's|he's|she's|they're|that's|he has|she has)\b"
         r"[^.!?]{0,20}?\b" + _CONDITIONS + r"\b|\b" + _CONDITIONS + r"\s+to me\b"),
     "This diagnoses a child; only health professionals can do that."),
    # Recommending a solicitor, firm or legal representation.
    (_rx(r"\b(?:try|use|go (?:to|with)|contact|ring|call|see|recommend|instruct|hire|speak to)\s+(?-i:(?:[A-Z][\w'-]*\s+)"
         r"{1,3}(?:&\s*Co\b|and Co\b|Solicitors\b|LLP\b|Law\b|Legal\b|Lawyers\b|Chambers\b|Associates\b))"
         r"|\b(?:get|hire|instruct|find|use|pay for|pay|need|go for|try)\s+(?:yourself\s+)?(?:a|an)\s+(?:good\s+|decent\s+|"
         r"specialist\s+|SEND\s+|education\s+|proper\s+)*(?:solicitor|lawyer|barrister|legal representative|"
         r"advocate|legal team)\b"
         r"|\b(?:a|an)\s+(?:good|great|brilliant|decent|excellent|top|the best)\s+(?:SEND\s+|education\s+)?(?:solicitor|"
         r"lawyer|barrister|law firm)\s+(?:is|would be|are)\b"),
     "This recommends legal representation; the service can't advise on that, it can explain the process."),
]
_HEALTH_TOPIC = _rx(r"\b" + _MEDS + r"\b|\b(?:CBD|oils?|drops|doses?|dosage|diet|treatments?|remed(?:y|ies)|supplements?|"
                    r"vitamins?|sleep(?:ing)?|insomnia|symptoms?|side effects?|homeopath\w*|herbal|essential oils?|"
                    r"chiropract\w*|prescri\w+|drugs?|cure|vaccin\w*|creams?|eczema)\b")
# Trying or endorsing a remedy: only when the comment or the sentence is about health.
_TRY_REMEDY = _rx(r"\bworth (?:a |giving (?:it|them) a )?(?:try|trying|go|shot|giving (?:it|them) a (?:go|try))\b"
                  r"|\bgive (?:it|them|that|this) a (?:go|try|whirl)\b|\btry (?:it|them|that|this) (?:and see|for a)\b"
                  r"|\b(?:it|they|that|this)\s+(?:really\s+)?(?:works?|worked|helps?|helped)\s+(?:for|with|wonders|a lot|"
                  r"loads|brilliantly)\b|\b(?:is|are|'s|'re)\s+(?:completely |perfectly |totally |quite |very |100% |really )?(?:safe|"
                  r"harmless|natural|fine|ok|okay)\s+(?:for|to (?:give|use|take|try))\b|\bsee(?:ing)? how (?:it|he|she|they) "
                  r"goes\b|\b(?:it |that |this )?(?:can't|won't|wouldn't|couldn't) (?:do any )?(?:hurt|harm)\b|\bno harm in\b"
                  r"|(?:^|(?<=[.!?]\s))(?:Try|Give|Use|Start)\s+(?:some\s+|a\s+little\s+)?(?:" + _MEDS + r"|CBD|oils?|drops|"
                  r"vitamins?|supplements?)\b|\bwill (?:do the (?:job|trick)|sort (?:him|her|them|it) out|fix (?:it|that|"
                  r"him|her))\b|\bworks? a treat\b")


_SIGNPOST_BEFORE = _rx(r"(?:\b(?:not|never|before|without|whether|about|if|unable|cannot)\b|n['\u2019]t\b)[^.!?]{0,40}$")


def _skip_expertise(ctx: Context, m: re.Match) -> bool:
    text = m.group(0)
    if re.match(r"[\d\u00a3]", text):  # doses and benefit sums are never ours to give
        return False
    return ctx.before_has(_SIGNPOST_BEFORE, m.start(), 60)


# A medical question answered with advice instead of a referral: when the comment is about medicines, treatments
# or physical symptoms, a reply sentence that tells the person what to do ("try switching to...", "it's worth
# spacing them out", "you should stop...") and names no health professional is medical advice.
_MEDICAL_COMMENT = _rx(r"\b" + _MEDS + r"\b|\b(?:CBD|doses?|dosage|treatments?|remed(?:y|ies)|supplements?|vitamins?|"
                       r"insomnia|symptoms?|side effects?|homeopath\w*|herbal|prescri\w+|vaccin\w*|jabs?|immunis\w+|"
                       r"eczema|asthma|allerg\w+|seizures?|fits|rash(?:es)?|creams?|ointments?|inhalers?|constipat\w+|"
                       r"migraines?|headaches?|infections?|antibiotics?|weight|appetite|won't sleep|can't sleep|not "
                       r"sleeping|hearing (?:loss|has|is)|eyesight|vision|glasses|grommets|surgery|operation|psoriasis|dermatitis|"
                       r"acne|hay ?fever|flare-?ups?|flares? up|wheez\w+|coughs?|fever|vomit\w*|not "
                       r"sleeping|(?<!sensory )diet)\b")
_HEALTH_PROFESSIONAL = _rx(r"\b(?:GPs?|doctors?|paediatricians?|pharmacists?|pharmacy|health visitors?|nurses?|prescribers?|"
                           r"CAMHS|NHS|111|999|consultants?|specialists?|dentists?|opticians?|dietitians?|neurologists?|"
                           r"psychiatrists?|clinicians?|medical|health professionals?|healthcare|clinic|hospital|"
                           r"Samaritans|Childline)\b")
_ADVICE = _rx(r"(?:^|(?<=[.!?,;]\s))(?:just\s+)?(?:try|give|use|switch|stop|start|avoid|cut|keep|put|space|swap|add|alternate|"
              r"mix|combine|crush|dissolve|"
              r"increase|reduce|lower|double|halve|skip|don't give|do not give)\b"
              r"|\b(?:it's|it is|it'd be|it would be)\s+(?:\w+\s+)?(?:worth|best to|a good idea to|fine to|safe to|ok to|okay to)\b"
              r"|\byou\s+(?:should|could|can|might want to|need to|must|ought to)\s+(?:\w+\s+)?(?:try|give|use|switch|stop|"
              r"start|avoid|cut|space|swap|add|increase|reduce|lower|double|halve|skip)\b"
              r"|\b(?:I|we)(?:'d| would)\s+(?:\w+\s+)?(?:recommend|suggest|try|give|use|avoid|stop|switch)\b"
              r"|\bworth\s+\w+ing\b|\bask (?:them|the \w+|for it) to (?:lower|raise|reduce|increase|change|up|stop)\b"
              r"|\b(?:usually|normally|probably|often|always) means\b")
# Claims about the child's health or a treatment: medical advice even beside a referral ("she probably needs
# grommets, ask the school nurse").
_MEDICAL_CLAIM = _rx(r"\b(?:usually|normally|probably|often|always) means\b"
              r"|\b(?:is|it's|it is|they're|they are|'s been|has been|have been|are)\s+(?:\w+\s+)?(?:proven\s+|perfectly\s+|"
              r"completely\s+|totally\s+|100%\s+)?(?:safe|harmless|dangerous|addictive|risky)\b|\bnothing to worry about\b"
              r"|\b(?:he|she|they|your \w+)\s+(?:probably|definitely|likely|almost certainly|might|may|just)\s+(?:needs?|has|have|"
              r"is|are)\b")


# Advice about how to contact the service or keep details private is not medical advice.
_SERVICE_ADVICE = _rx(r"\b(?:personal details|details here|confidential|confidence|this page|public|privately|contact us|"
                      r"call us|email us|ring us|message us|get in touch|talk (?:it )?through)\b")


def _medical_advice(ctx: Context) -> list[Finding]:
    if not (ctx.comment and _MEDICAL_COMMENT.search(ctx.comment)):
        return []
    found = []
    for s, e in ctx.sentences:
        sentence = ctx.reply[s:e]
        m = _MEDICAL_CLAIM.search(sentence)
        if m is None and not _HEALTH_PROFESSIONAL.search(sentence) and not _SERVICE_ADVICE.search(sentence):
            m = _ADVICE.search(sentence)  # advice beside a referral, or about reaching us, is signposting
        if m and not _REFUSAL_BEFORE.search(sentence[:m.start()]) \
                and not _SIGNPOST_BEFORE.search(sentence[:m.start()]):
            found.append(_finding(ctx, "out_of_expertise", s + m.start(), s + m.end(),
                                  "This answers a medical question with advice; signpost to the GP, paediatrician or "
                                  "pharmacist instead."))
    return found


def _expertise_reply(ctx: Context) -> tuple:
    scanned = tuple(_scan(ctx, "out_of_expertise", _EXPERTISE, skip=_skip_expertise))
    remedies = tuple((_finding(ctx, "out_of_expertise", m.start(), m.end(),
                               "This recommends a treatment or remedy; signpost to the GP, paediatrician or "
                               "pharmacist instead."), ctx.sentence_has(_HEALTH_TOPIC, m.start()))
                     for m in _TRY_REMEDY.finditer(ctx.reply) if not _skip_expertise(ctx, m))
    return scanned, remedies


def check_out_of_expertise(ctx: Context) -> list[Finding]:
    scanned, remedies = ctx.reply_only("out_of_expertise", _expertise_reply)
    found = list(scanned)
    found += _medical_advice(ctx)
    health_comment = bool(ctx.comment and _HEALTH_TOPIC.search(ctx.comment))
    found += [f for f, health_sentence in remedies if health_comment or health_sentence]
    return found


# --------------------------------------------------------------------------------------------------
# Registry and entry point
# --------------------------------------------------------------------------------------------------

CHECKS: dict[str, Callable[[Context], list[Finding]]] = {
    "personal_data": check_personal_data,
    "promise": check_promise,
    "partiality": check_partiality,
    "offensive": check_offensive,
    "missing_redirect": check_missing_redirect,
    "complaint_not_routed": check_complaint_not_routed,
    "out_of_expertise": check_out_of_expertise,
}
assert tuple(CHECKS) == RULES


def _dedupe(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """One finding per overlapping span of a rule (the longest kept), in reply order.

    A whole-reply finding (a missing redirect / complaints route) is kept beside the spans inside it.

    One sweep in start order per rule: the findings kept so far for a rule never overlap each other, so a
    new one can only clash with the last of them (comparing it with every kept finding made replies with
    many findings quadratic).
    """
    order = sorted(findings, key=lambda f: (RULES.index(f.rule), f.start, -(f.end - f.start)))
    kept: list[Finding | None] = []
    groups: dict[tuple[str, bool], list[int]] = {}  # (rule, whole-reply?) -> indexes into kept still open

    def clash(o: Finding, f: Finding) -> bool:
        return (o.start, o.end) == (f.start, f.end) or (o.start < f.end and f.start < o.end)

    for f in order:
        key = (f.rule, _is_missing(f))
        # Still open: kept findings that a finding starting here or later can clash with.
        active = [i for i in groups.get(key, ()) if kept[i] is not None
                  and (kept[i].end > f.start or kept[i].start == kept[i].end == f.start)]
        rivals = [i for i in active if clash(kept[i], f)]
        if any(kept[i].end - kept[i].start >= f.end - f.start for i in rivals):
            groups[key] = active
            continue
        for i in rivals:
            kept[i] = None
        groups[key] = [i for i in active if kept[i] is not None] + [len(kept)]
        kept.append(f)
    return tuple(sorted((f for f in kept if f is not None), key=lambda f: (f.start, RULES.index(f.rule), f.end)))


# Criticism of the service itself in the comment. The classifier often misses the complaint flag when the
# comment also discloses a case ("Rang you twice about my son's exclusion, no one rang back"), so plain
# lexical cues add it: an unanswered call / message / wait, something of "yours" that is broken or bad, the
# service judged by name or as "you", a complaint about "you". A cue in a sentence about a third party
# ("the school never rang back", "the council are useless") does not count.
_SERVICE_REF = (r"(?:\byou\b|\byour\b|\bur\b|\bu\b|\byou(?:'re|\u2019re| are)\b|\byou lot\b|\bsendiass\b|\biass\b|"
                r"@sendiassl\b|\binfo@|\bthe service\b|\bthis service\b)")
_THIRD_PARTY = _rx(r"\b(?:school|schools|council|LA|local authority|SENC[Oo]|head(?:teacher)?|teachers?|college|"
                   r"nursery|academy|GP|CAMHS|paediatrician|social worker|caseworker|case officer|hospital|doctor|"
                   r"consultant|taxi|transport|governors?|trust|NHS)\b")
_UNANSWERED = _rx(
    r"\bno(?:body|\s+one|-one)?\s+(?:ever\s+|has\s+|have\s+|had\s+)*(?:rang|rung|called|phoned|got back|gets back|"
    r"replied|responded|answered|returned|turned up|came|comes|rings|calls|replies|bothered)\b"
    r"|\b(?:nobody|no one|no-one)\s+from\s+\S+\s+(?:ever\s+)?(?:rang|rung|called|phoned|got back|replied|turned up|came)\b"
    r"|\b(?:didn't|did not|never|hasn't|has not|haven't|have not)\s+(?:even\s+)?(?:turn(?:ed)? up|call(?:ed)? (?:me )?back|"
    r"r(?:i|u)ng (?:me )?back|get back to me|got back to me|repl(?:y|ied)|respond(?:ed)?)\b"
    r"|\bfor (?:\d+|over|nearly|almost) (?:minutes|mins|hours|days|weeks|months) now\b"
    r"|\bno\s+(?:call|ring|phone call|reply|response|answer|callback)(?:\s*-?\s*back)?\b|\bno call ?back\b"
    r"|\bnever\s+(?:rang|rung|called|phoned|got back|replied|responded|answered|heard back|turned up|rings|calls|"
    r"replies|gets back)\b|\b(?:got|heard|had)\s+nothing\b"
    r"|\b(?:left|sent)\s+(?:you\s+)?(?:\d+|two|three|four|five|six|several|multiple|loads of|so many)\s+"
    r"(?:messages|voicemails|emails|e-mails)\b"
    r"|\b(?:rang|called|phoned|emailed|e-mailed|messaged|tried)\b[^.!?]{0,50}?\b(?:\d+|twice|two|three|four|five|"
    r"several|multiple|so many|loads of)\s*(?:times|x)?\b(?=[^.!?]{0,40}(?:no\b|nobody|no one|never|nothing|"
    r"still|but\b|and\b|today|this week))"
    r"|\bon hold\s+(?:for\s+)?(?:\d+|over|ages|an hour|half an hour|forever)|\b(?:been|kept|left) on hold\b"
    r"|\b(?:got|get|then|keep getting|kept getting|was) cut off\b|\b(?:just |then )?hung up on me\b|\balways engaged\b"
    r"|\b(?:still|been) waiting (?:since \w+ |for (?:weeks|months|ages|days|over a \w+) )?(?:for|on) (?:a |an |any |someone |"
    r"anyone |you |somebody )?(?:to )?(?:call|reply|"
    r"response|answer|callback|call ?back|ring|get back|return|email|adviser|advisor|someone|anyone|you)\b"
    r"|\bwaited\s+(?:\d+|over|nearly|almost|a|two|three|four|six)\b[^.!?]{0,20}?\bfor (?:a|an|any|someone|you)\b"
    r"|\b(?:\d+|two|three|four|six|several)\s+(?:weeks|days|months)\s+for\s+(?:a|an|any)\s+(?:call|reply|response|"
    r"answer|callback|email|e-mail)\b|\bheard nothing\b|\b(?:got|get) nothing(?:\s+back)?(?=\s*[.!,]|\s*$)|"
    r"\bnothing back\b"
    r"|\b(?:comment|post|question|review|message|email|e-mail|call)s?\b[^.!?]{0,50}?\b(?:ignored|deleted|removed|"
    r"disappeared|hidden)\b|\b(?:ignor(?:e|ed)|delet(?:e|ed)|remov(?:e|ed)|hid|hide)\s+(?:my|our)\s+(?:comment|post|question|"
    r"review|message)")
# a judgement that is about the service only when the comment speaks to "you" / SENDIASS somewhere
_BAD_HELP = _rx(r"\b(?:rubbish|useless|terrible|awful|wrong|poor|bad|shocking|pathetic|appalling|unhelpful)\s+"
                r"(?:advice|service|information|info|support|help|response|reply)\b")
_BAD = (r"(?:useless|rubbish|shocking|pathetic|disgrace(?:ful)?|ridiculous|appalling|awful|terrible|hopeless|a joke|"
        r"no use|no help|unhelpful|pointless|a waste of (?:time|space)|not good enough|not impressed|disappoint(?:ed|"
        r"ing)|rude|patronising|patronizing|dismissive|wrong|incorrect|down|broken|not working|doesn't work|don't work|"
        r"isn't working|error|times? out|slow|vague|biased|not (?:very )?(?:impartial|independent|neutral)|"
        r"as much use as|gets? (?:worse|nothing done)|didn't listen|did not listen|never listen(?:s|ed)?|"
        r"couldn't answer|patronised|patronized|talk(?:ed|ing)? over me|hung up|short with me|rude to me)")
_CRITICISM = _rx(
    r"(?:\byour\b|\bur\b|\bsendiass(?:'s)?\b|\bthe service(?:'s)?\b|\b(?:the|your|an?|that|this) (?:adviser|advisor|"
    r"volunteer|worker|caseworker|woman|man|lady|person|guy|bloke) (?:I|who|that|on the phone|from (?:you|sendiass))\b"
    r"|\byou (?:posted|said|told|wrote|put|sent)\b)[^.!?]{0,70}?\b" + _BAD
    + r"|\b(?:you lot|you|sendiass)\s+(?:are|were|is|have been|has been)\b[^.!?]{0,30}?\b" + _BAD
    + r"|\b(?:shocking|terrible|awful|rubbish|useless|poor|appalling|disgraceful|pathetic)\s+service\b"
    r"|\b(?:what(?:'s|\u2019s| is) the point (?:of|in) (?:you|sendiass|this service|ringing you|contacting you)"
    r"|do you (?:actually|even) exist|who are you (?:actually |even )?for|thanks for nothing|not (?:very )?"
    r"['\u2018\"]?impartial|so much for (?:being )?['\u2018\"]?impartial)\b"
    r"|\bhow (?:is|are|can)\s+(?:it|you|sendiass|that|the service)\b[^.!?]{0,20}['\u2018\"]?(?:impartial|independent|"
    r"neutral)\b"
    r"|\bcomplain(?:t|ts)?\s+about\s+(?:you|your|sendiass|the service|this service)\b"
    r"|\b(?:not happy|unhappy|disappointed|fed up)\s+(?:with|in|by)\s+(?:you|your|sendiass|the service|how my case)\b")
_COMPLAIN_INTENT = _rx(r"\b(?:make|raise|lodge|file|submit|put in)\s+an?\s+(?:formal\s+)?complaint\b|\bescalate\b")


def comment_criticises_service(comment: str) -> bool:
    """Plain cues that the comment criticises SENDIASS itself (not the council, a school, ...)."""
    if not comment:
        return False
    service_ref = re.search(_SERVICE_REF, comment, re.IGNORECASE) is not None
    if _CRITICISM.search(comment):
        return True
    for s, e in sentence_spans(comment):
        sentence = comment[s:e]
        if _UNANSWERED.search(sentence) or _COMPLAIN_INTENT.search(sentence) \
                or service_ref and _BAD_HELP.search(sentence):
            third = _THIRD_PARTY.search(sentence)
            if not third or service_ref and re.search(_SERVICE_REF, sentence, re.IGNORECASE):
                return True
    return False


def _context(reply: str, comment: str | None, comment_triage: dict | None,
             prepared: Prepared | None = None) -> Context:
    disclosure = complaint = False
    spans: tuple[tuple[int, int], ...] = ()
    if comment:
        spans = tuple(_comment_detections(comment, comment_triage))
        if comment_triage is not None:
            route = comment_triage.get("route")
            disclosure = bool(comment_triage.get("disclosure")) or route in DISCLOSURE_ROUTES
            complaint = bool(comment_triage.get("complaint")) or route == "complaint"
        else:  # no triage: the detector and the plain complaint cues (a given triage already includes them)
            disclosure = bool(spans)
            complaint = comment_criticises_service(comment)
    elif comment_triage is not None:
        route = comment_triage.get("route")
        disclosure = bool(comment_triage.get("disclosure")) or route in DISCLOSURE_ROUTES
        complaint = bool(comment_triage.get("complaint")) or route == "complaint"
    ctx = Context(reply=reply, comment=comment, disclosure=disclosure, complaint=complaint, comment_spans=spans,
                  sentences=list(prepared.sentences) if prepared is not None else sentence_spans(reply))
    if prepared is not None:
        ctx.parts = dict(prepared.parts)  # a copy: a context may add parts, the prepared ones stay as they are
    return ctx


@dataclass(frozen=True)
class Prepared:
    """What the rules find in one reply on its own (no comment), computed ahead by ``prepare``. A library
    reply is checked against every message it answers; only the comment-dependent parts of the rules then
    run per message. Tied to the service profile it was computed with."""

    reply: str
    parts: dict
    sentences: tuple[tuple[int, int], ...]
    profile: object


def prepare(reply: str) -> Prepared:
    """Run the reply-only parts of every rule on ``reply`` once (see ``check(..., prepared=...)``)."""
    ctx = Context(reply=reply, comment=None, disclosure=False, complaint=False, comment_spans=(),
                  sentences=sentence_spans(reply))
    find_violations(ctx)
    return Prepared(reply=reply, parts=dict(ctx.parts), sentences=tuple(ctx.sentences), profile=_profile())


def find_violations(ctx: Context) -> tuple[Finding, ...]:
    found: list[Finding] = []
    for rule in RULES:
        found.extend(CHECKS[rule](ctx))
    return _dedupe(found)


def check(reply: str, comment: str | None = None, comment_triage: dict | None = None, *,
          rewrite: bool = True, prepared: Prepared | None = None) -> Verdict:
    """Hold one outgoing text to the policy; optionally propose a corrected reply.

    ``prepared`` (from ``prepare(reply)``) skips the rules' reply-only work; the verdict is the same."""
    if not isinstance(reply, str):
        raise TypeError("reply must be text")
    if prepared is not None and (prepared.reply != reply or prepared.profile is not _profile()):
        prepared = None  # another text, or another service profile: nothing to reuse
    ctx = _context(reply, comment, comment_triage, prepared)
    violations = find_violations(ctx)
    if not violations:
        return Verdict(ok=True, violations=(), suggestion=None)
    if not rewrite:
        return Verdict(ok=False, violations=violations, suggestion=None)
    suggestion, note = _rewrite(ctx, violations)
    if suggestion is not None:
        again = check(suggestion, comment, comment_triage, rewrite=False)
        if not again.ok:
            rules = ", ".join(sorted({v.rule for v in again.violations}, key=RULES.index))
            suggestion, note = None, (f"No safe rewrite could be made automatically (it would still break: {rules}); "
                                      f"please write a new reply.")
    return Verdict(ok=False, violations=violations, suggestion=suggestion, note=note)


# --------------------------------------------------------------------------------------------------
# Rewrite
# --------------------------------------------------------------------------------------------------

_GREETING_NAME = re.compile(r"^(\s*(?:hi|hello|hey|dear|thanks|thank you|morning|afternoon|evening)),?\s+"
                            r"([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?)\s*([,!.]?)", re.IGNORECASE)


def _snippet(key: str) -> str:
    from bot.replies import snippet  # the approved library; imported late (it loads YAML files)

    return snippet(key)


def _rewrite(ctx: Context, violations: tuple[Finding, ...]) -> tuple[str | None, str | None]:
    """Keep what is safe of the draft, soften promises, add the approved sentences that are missing."""
    reply = ctx.reply
    need_redirect = need_route = need_expertise = False
    drop: set[int] = set()  # sentence indexes dropped
    soften: set[int] = set()  # sentence indexes replaced by the softened promise
    cuts: dict[int, list[tuple[int, int]]] = {}  # sentence index -> spans cut out (a name after "Hi")
    offensive = any(v.rule == "offensive" for v in violations)

    greetings: dict[int, re.Match | None] = {}  # sentence index -> _GREETING_NAME at its start

    def index_of(pos: int) -> int | None:
        k = bisect_right(ctx._starts, pos) - 1
        return k if k >= 0 and pos < ctx.sentences[k][1] else None

    for v in violations:
        if v.rule == "missing_redirect":
            need_redirect = True
        elif v.rule == "complaint_not_routed":
            need_route = True
        elif v.rule == "out_of_expertise":
            need_expertise = True
        if _is_missing(v):
            continue  # nothing to cut: the missing sentence is added below
        k = index_of(v.start)
        if k is None:
            continue
        if v.rule == "promise":
            soften.add(k)
        elif v.rule == "personal_data":
            s, e = ctx.sentences[k]
            if k not in greetings:
                greetings[k] = _GREETING_NAME.match(reply[s:e])
            g = greetings[k]
            if g and s + g.start(2) <= v.start and v.end <= s + g.end(2):
                cuts.setdefault(k, []).append((s + g.end(1), s + g.end(2)))
            else:
                drop.add(k)
        else:
            drop.add(k)

    parts: list[str] = []
    kept_original = softened = False
    for k, (s, e) in enumerate(ctx.sentences):
        if k in soften:  # the whole sentence goes, whatever else was wrong with it
            if not softened:
                parts.append(_snippet("guard.promise_softened"))
                softened = True
            continue
        if k in drop:
            continue
        text = reply[s:e]
        for a, b in sorted(cuts.get(k, ()), reverse=True):
            text = text[:a - s] + text[b - s:]
        text = re.sub(r"\s+([,!.?])", r"\1", text).strip()
        if re.search(r"\w", text):
            parts.append(text)
            kept_original = True

    if not kept_original and offensive:
        return None, ("The draft is rude, offensive or dismissive and nothing in it can be kept; "
                      "please write a new, polite reply.")
    added = False
    if need_expertise:
        parts.append(_snippet("guard.out_of_expertise"))
        added = True
    if need_redirect and not _has_official_contact(" ".join(parts)):
        parts.append(_snippet("guard.redirect"))
        added = True
    if need_route and not _profile_rx()[2].search(" ".join(parts)):
        parts.append(_snippet("guard.complaint_route"))
        added = True
    if not kept_original and not softened and not added:
        return None, "Nothing in the draft can be kept safely; please write a new reply."
    if not kept_original:
        parts.insert(0, _snippet("guard.generic_opening"))
    return " ".join(parts), None
