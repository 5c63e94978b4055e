"""The policy guard: every outgoing text is held to SENDIASS Leicester's social media policy.

`check(reply, comment, comment_triage)` returns a `Verdict`: the violations found (each a `Finding`
with the rule, the policy sentence it enforces (`CLAUSES`, quoted verbatim from the policy), the exact
span of the reply that breaks it (``reply[start:end] == evidence``) and a one-sentence message for a
volunteer) and, unless ``rewrite=False``, a corrected reply.

Rules (one check function each, gathered in the ``CHECKS`` registry, in ``RULES`` order):

personal_data        the reply repeats or adds personal data: every "disclosure" the project's detector
                     (``bot.detector.detect``) finds in the reply, other phone numbers / e-mails, the
                     person's own case or diagnosis ("your son's EHCP", "your son has autism") when the
                     comment is a disclosure, and anything echoed from the comment: capitalised words
                     inside the comment's detection spans (names, schools), the comment's other
                     capitalised names when it is a disclosure, its phone numbers / e-mails, the
                     child's age or school year. The service's own contact details and signposting
                     numbers (service.yml) are always allowed.
promise              commitments and guarantees ("we'll make sure", "guaranteed", "an adviser will ring
                     you tomorrow", "you'll definitely get an EHCP"); soft offers the service really
                     makes ("we can offer...", "we'll reply as soon as we can") and negated forms
                     ("we can't promise") are fine.
partiality           taking sides for or against the council, a school, a family member, a party, a
                     policy or a company; accusations ("they're breaking the law"); political opinions;
                     product or shop endorsements. Neutral process words ("appeal against the decision")
                     and general statements of the law are fine.
offensive            profanity from better_profanity's maintained list (indexed per token, leetspeak
                     variants included, with ``PROFANITY_WHITELIST`` for words that are normal in SEND,
                     health, safeguarding, RSE and childcare talk), masked swearing, disability slurs and
                     insults, rude / impatient / sarcastic phrases, shouting in capitals.
missing_redirect     the comment is a disclosure (``disclosure`` or route redirect_private/safeguarding)
                     and the reply gives neither the service's phone number (any spacing) nor its e-mail:
                     evidence is the whole reply. Also, whatever the comment, a reply that invites
                     personal details in public ("post your details below", "which school is he at?"):
                     evidence is the invitation.
complaint_not_routed the comment is a complaint about the service (``complaint`` or route complaint) and
                     the reply does not point to the feedback/complaints procedure (evidence: the whole
                     reply); or, whatever the comment, a reply that argues, blames or dismisses.
out_of_expertise     medicine doses and medication advice, diagnosing, litigation / legal-claim advice,
                     benefit decisions and sums, other organisations' decisions. Signposting ("please
                     speak to your GP") and refusals ("we can't advise on medication") are fine.

The comment. With ``comment_triage`` (the core assistant's triage: route, disclosure, complaint,
detections with offsets into ``comment``), its flags and detection spans are trusted (a detection
without a "category" counts as a disclosure). With a comment but no triage, the deterministic detector
decides: the comment is a disclosure when it finds a "disclosure" in it, and its spans are used; the
comment is then NEVER treated as a complaint (that needs the assistant's classifier), so only the
argue/dismiss patterns of complaint_not_routed apply. With no comment, only the checks that do not
depend on it run.

Detector findings in replies: the detector is written for incoming comments, so a one-word "name" it
finds in a reply is ignored when it is plainly not a name (a contraction like "We'd", common words
like "Nurseries", the last word of a longer proper noun like "Disability Living Allowance", or a
signposting organisation like "Contact"); a case-detail span anchored on such a word is ignored too.

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

import re
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

    def sentence_of(self, pos: int) -> tuple[int, int]:
        for s, e in self.sentences:
            if s <= pos < e:
                return s, e
        return 0, len(self.reply)

    def sentence_text(self, pos: int) -> str:
        s, e = self.sentence_of(pos)
        return self.reply[s:e]

    def before_in_sentence(self, pos: int) -> str:
        s, _ = self.sentence_of(pos)
        return self.reply[s:pos]


def _finding(ctx: Context, rule: str, start: int, end: int, message: str) -> Finding:
    return Finding(rule=rule, clause=CLAUSES[rule], start=start, end=end, evidence=ctx.reply[start:end],
                   message=message)


def _rx(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern:
    return re.compile(pattern, flags)


Patterns = list[tuple[re.Pattern, str]]


def _scan(ctx: Context, rule: str, patterns: Patterns,
          skip: Callable[[Context, re.Match], bool] | None = None) -> list[Finding]:
    found = []
    for rx, message in patterns:
        for m in rx.finditer(ctx.reply):
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


def _negated(ctx: Context, m: re.Match) -> bool:
    """The match sits in a negated or conditional clause ("we can't promise", "before you stop")."""
    before = _NOT_A_NEGATION.sub(" ", ctx.before_in_sentence(m.start()))
    return bool(_NEGATION_BEFORE.search(before))


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


def _profile_rx():
    p = load_profile()
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
_EMAIL_RX = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CAP_WORD = re.compile(r"\b[A-Z][a-zA-Z'\u2019-]*[a-zA-Z]\b|\b[A-Z]\b")
_AGE_RX = _rx(
    r"\b(\d{1,2})\s*[- ]?\s*(?:years?|yrs?|y)\s*[- ]?\s*olds?\b|\b(\d{1,2})\s*(?:yo|y/o)\b"
    r"|\baged?\s+(\d{1,2})\b|\b(?:school\s+)?year\s+(\d{1,2}|R)\b|\b(\d{1,2})(?:st|nd|rd|th)?\s+birthday\b")
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


def _service_words() -> frozenset[str]:
    """Words of the service's own name, area and accounts (never personal data)."""
    p = load_profile()
    return _words_of((p.name, p.short_name, p.area, p.local_authority, *p.social_accounts))


@lru_cache(maxsize=8)
def _words_of(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.lower() for text in texts for w in re.findall(r"[A-Za-z']+", text))


_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|\W[\"'(]\s*)$")
_CONDITION_WORD = _rx(_CONDITIONS + r"(?:'s)?")


def _comment_personal_terms(ctx: Context) -> tuple[set[str], set[str], set[str], set[str]]:
    """(capitalised words, phone digit strings, e-mails, ages/years) personal to the comment."""
    comment = ctx.comment or ""
    words, phones, emails, ages = set(), set(), set(), set()
    if not comment:
        return words, phones, emails, ages
    service = _service_words()

    def in_spans(s: int, e: int) -> bool:
        return any(a < e and s < b for a, b in ctx.comment_spans)

    for m in _CAP_WORD.finditer(comment):
        w = re.sub(r"['\u2019]s?$", "", m.group(0))
        if w.lower() in _COMMON_CAPS or w.lower() in service or len(w) < 2 or w.isupper() and len(w) <= 5 \
                or _CONDITION_WORD.fullmatch(w):
            continue
        if in_spans(m.start(), m.end()):
            words.add(w)
        elif ctx.disclosure and not _SENTENCE_START.search(comment, 0, m.start()):
            words.add(w)  # a capitalised word inside a sentence of a disclosure: a name or a place
    for m in _PHONE_RX.finditer(comment):
        if not _is_official_contact(m.group(0)):
            phones.add(re.sub(r"\D", "", m.group(0))[-9:])
    for m in _EMAIL_RX.finditer(comment):
        if not _is_official_contact(m.group(0)):
            emails.add(m.group(0).lower())
    for m in _AGE_RX.finditer(comment):
        if ctx.disclosure or in_spans(m.start(), m.end()):
            ages.add(next(g for g in m.groups() if g).upper())
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
    out, bogus = [], []
    detections = [d for d in detect(reply) if d.category == "disclosure"]
    for d in detections:
        if any(t in d.type for t in _NAME_TYPES) and " " not in d.text.strip() \
                and _implausible_name(reply, d.start, d.text):
            bogus.append(d)
    for d in detections:
        if d in bogus or any(b.start == d.start for b in bogus):
            continue  # a case-detail span anchored on a bogus name is bogus too
        if _is_official_contact(reply[d.start:d.end]):
            continue
        out.append(d)
    return out


_RANGE_AFTER = re.compile(r"\s*(?:-|\u2013|to)\s*\d")


def check_personal_data(ctx: Context) -> list[Finding]:
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
    for m in _EMAIL_RX.finditer(reply):
        if not _is_official_contact(m.group(0)):
            found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                                  "This puts an e-mail address that isn't the service's own in public; take it out."))
    for m in _POSSESSED_DIAGNOSIS.finditer(reply):
        if ctx.disclosure:
            found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                                  "This talks about the person's own case or diagnosis in public; keep it general."))
    if ctx.comment:
        words, phones, emails, ages = _comment_personal_terms(ctx)
        for w in words:
            for m in re.finditer(r"(?<![\w'])" + re.escape(w) + r"(?![\w])", reply):
                found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                                      f"'{w}' comes from the comment's personal details; don't repeat names, "
                                      f"schools or places in public."))
        for m in _PHONE_RX.finditer(reply):
            if re.sub(r"\D", "", m.group(0))[-9:] in phones:
                found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                                      "This repeats the person's phone number in public; take it out."))
        for m in _EMAIL_RX.finditer(reply):
            if m.group(0).lower() in emails:
                found.append(_finding(ctx, "personal_data", m.start(), m.end(),
                                      "This repeats the person's e-mail address in public; take it out."))
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
         r"later today|in the next)")
_OUTCOME = (r"(?:an? EHCP|an? EHC plan|the EHCP|a plan|a place|the place|the school you want|funding|transport|"
            r"1:1|one[- ]to[- ]one|a support worker|an assessment|the assessment|the support (?:he|she|they|you) "
            r"need|what (?:he|she|they|you) need|the result|the outcome|your appeal|the appeal|the tribunal|"
            r"compensation|a diagnosis|an apology)")

_STAFF = (r"(?:an? (?:adviser|advisor|caseworker|case worker|officer|volunteer|team member|member of (?:the|our) "
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
    (_rx(r"\b(?:we|I|someone|somebody|" + _STAFF + r")" + _WILL + r"\s+(?:get back to|reply to|respond to|contact|email|e-mail|"
         r"message|call|ring)\s+you\s+(?:back\s+)?" + _TIME),
     "This promises a reply by a set time; say 'we'll reply as soon as we can' instead."),
    (_rx(_WE + _WILL + r"\s+(?:contact|speak to|talk to|call|ring|write to|email|challenge|chase|sort out|deal with)\s+"
         r"(?:the |your |his |her |their )?(?:school|council|LA|local authority|nursery|college|SENCO|head(?:teacher)?|"
         r"teachers?|academy|trust|GP|social worker)\b(?:\s+for you)?"),
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
         r"(?:definitely|certainly|surely|absolutely|100%)\b"),
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
         + r"|\b(?:leave it with (?:us|me)|consider it done|no problem at all,? we'll)\b"),
     "This commits the service to an outcome; say what the service can offer instead."),
]


def check_promise(ctx: Context) -> list[Finding]:
    return _scan(ctx, "promise", _PROMISE, skip=_negated)


# --------------------------------------------------------------------------------------------------
# partiality
# --------------------------------------------------------------------------------------------------

_PARTY = (r"(?:the |your |his |her |their |this |that |a )?(?:council|local authority|LA|school|nursery|academy|"
          r"trust|college|head ?teacher|head|SENCO|teachers?|government|NHS|CAMHS|social services|social workers?|"
          r"DfE|ministers?|MPs?|politicians|schools|nurseries|councils|authorities)\b")
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
         r"|\b(?:[A-Z][\w'-]+\s+){1,3}(?:Council|Academy|School|College|Trust|Nursery|Primary)\s+(?:is|are|was|were|"
         r"has been|have been)\s+(?:really |so |very |totally |just |clearly |absolutely |notoriously )?(?:useless|"
         r"awful|terrible|hopeless|rubbish|the worst|notorious|incompetent|a nightmare|dreadful|shocking|failing|"
         r"in the wrong|wrong|to blame)\b"
         r"|\b(?:I|we)\s+(?:completely |totally |fully |absolutely |100% |really |do |couldn't )?agree(?: more)? "
         r"with you\b|\b(?:I|we) (?:completely|totally|fully|absolutely|100%) agree\b"),
     "This takes sides; the service must stay impartial."),
    (_rx(r"\b(?:polic(?:y|ies)|reforms?|white paper|green paper|changes|bill|cuts|funding cuts)\s+(?:is|are|will be|"
         r"were)\s+(?:a |an |absolutely |totally |completely )?(?:disaster|terrible|awful|shambles|outrageous|"
         r"brilliant|fantastic|great|excellent|long overdue|wrong|a mistake|cruel|disgraceful)\b"),
     "This gives an opinion on a policy; the service must stay impartial."),
    (_rx(r"\b(?i:get|buy|try|go for|order|grab)\s+(?i:the\s+|some\s+)?[A-Z][\w&'-]+\s+(?i:ones?)\b", 0),
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
         r"it's|it is)\s+(?:clearly |definitely |blatantly )?(?:illegal|unlawful|against the law|discrimination|"
         r"discriminatory)\b(?!\s+(?:for|to|if|when|unless))"),
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
    (_rx(r"\b(?:councils?|LAs?|local authorit(?:y|ies)|schools?)\s+(?:almost always |nearly always |usually |"
         r"always )?(?:lose|loses|lost|never win|rarely win)\b"
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
         r"|\bausterity\b|\bvote (?:for|against|them out|him out|her out)\b"),
     "This gives a political opinion or blames a public body; the service must stay impartial."),
    (_rx(r"\b(?:" + _RETAILERS + r")\b", 0),
     "This recommends a shop or company; the service must not endorse products or companies."),
    (_rx(r"\b(?:the\s+)?[A-Z][\w&'-]*(?:\s[A-Z][\w&'-]*)?\s+ones?\s+(?:is|are)\s+(?:the |much |far |way |really )?"
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
]

_RECOMMEND_BRAND = _rx(r"\b(?:I|we)(?:'d| would)?\s+(?:highly |definitely |really )?(?:recommend|swear by)\s+"
                       r"(?:the\s+)?([A-Z][\w&'-]+)", 0)
_APPEAL_BEFORE = _rx(r"\b(?:appeal(?:s|ed|ing)?|complain(?:t|ts|ed|ing)?|discriminat\w*|decision\w*|challenge)\b"
                     r"[^.!?]{0,20}$")


def _skip_partiality(ctx: Context, m: re.Match) -> bool:
    before = ctx.before_in_sentence(m.start())
    text = m.group(0).lower()
    if text.startswith(("against", "fight", "battle", "beat", "take on", "stand up")):
        # "appeal against the council's decision", "discrimination against ..." are neutral process words
        return bool(_APPEAL_BEFORE.search(before))
    if "side" in text or text.startswith(("blame", "i ", "we ")):
        return _negated(ctx, m)
    return False


def check_partiality(ctx: Context) -> list[Finding]:
    found = _scan(ctx, "partiality", _PARTIALITY, skip=_skip_partiality)
    for m in _RECOMMEND_BRAND.finditer(ctx.reply):
        word = re.sub(r"['\u2019]s$", "", m.group(1))
        if word not in _SIGNPOST_ORGS and word.lower() not in _COMMON_CAPS and word.lower() not in _service_words():
            found.append(_finding(ctx, "partiality", m.start(), m.end(),
                                  "This endorses a brand or company; the service must stay impartial."))
    return found


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
_CLAUSE_START = r"(?:^|(?<=[.!?,;:\n\u2013\u2014-]))\s*(?:(?:just|so|now|well|oh|then|please|and)\s+)?"
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
]
_SILLY_QUESTION = _rx(r"\b(?:stupid|silly|dumb|daft|ridiculous|pointless|idiotic|strange|weird|odd|obvious|petty)\s+"
                      r"(?:questions?|complaints?|comments?|posts?|ideas?|things? to (?:say|ask))\b")
_KIND_BEFORE = _rx(r"(?:no such thing as|not|never|isn't|wasn't|aren't|no|there are no)\s+(?:a|an|any)?\s*"
                   r"(?:\w+\s+)?$")

_MASKED_SWEAR = _rx(r"\b[a-z]+[*#@$%]{1,4}[a-z]+\b|\b[fs][*#]{2,}\w*")
_WORD_TOKEN = re.compile(r"[A-Za-z0-9@$*]+(?:[!+'\u2019\-][A-Za-z0-9@$*]+)*")
_SHOUTING = re.compile(r"\b(?:[A-Z][A-Z']+[!?.,]*\s+){2,}[A-Z][A-Z']+\b")
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

    def is_profane(self, token: str) -> bool:
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
    reply = ctx.reply
    found = [_finding(ctx, "offensive", s, e, "This contains a swear word or offensive term; never post it.")
             for s, e in _profane_spans(reply)]
    for m in _MASKED_SWEAR.finditer(reply):
        if "@" in m.group(0) and _EMAIL_RX.search(reply[max(0, m.start() - 40):m.end() + 40]):
            continue
        found.append(_finding(ctx, "offensive", m.start(), m.end(),
                              "This contains a (masked) swear word; never post it."))
    for m in _SLURS.finditer(reply):
        found.append(_finding(ctx, "offensive", m.start(), m.end(),
                              "This is an insult or a discriminatory term; never post it."))
    for m in _ABLEIST_QUESTION.finditer(reply):
        found.append(_finding(ctx, "offensive", m.start(), m.end(),
                              "This insults the person; be respectful, polite and patient."))
    found += _scan(ctx, "offensive", _DISMISSIVE)
    for m in _SILLY_QUESTION.finditer(reply):
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
               r"by e-?mail|when you (?:call|ring|phone|email|e-mail|get in touch|contact)|contact us)\b|@|\b0\d{3}")

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
    found = _scan(ctx, "missing_redirect", _INVITE_PUBLIC, skip=_negated)

    def private_sentence(c: Context, m: re.Match) -> bool:
        return bool(_PRIVATE.search(c.sentence_text(m.start()))) or _negated(c, m)

    found += _scan(ctx, "missing_redirect", _INVITE_UNLESS_PRIVATE, skip=private_sentence)
    for s, e in ctx.sentences:
        sentence = ctx.reply[s:e]
        if sentence.rstrip().endswith("?") and _CASE_QUESTION_WHO.search(sentence) \
                and _CASE_QUESTION_WHAT.search(sentence) and not _PRIVATE.search(sentence):
            found.append(_finding(ctx, "missing_redirect", s, e,
                                  "This asks about the person's own case in public; ask them to phone or e-mail "
                                  "instead."))
    if ctx.disclosure and not _has_official_contact(ctx.reply):
        p = load_profile()
        found.append(_finding(ctx, "missing_redirect", 0, len(ctx.reply),
                              _MISSING_REDIRECT + f" {p.phone} or {p.email} to talk in confidence."))
    return found


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
]


def check_complaint_not_routed(ctx: Context) -> list[Finding]:
    found = _scan(ctx, "complaint_not_routed", _ARGUE)
    if ctx.complaint:
        _, _, route_rx, _ = _profile_rx()
        if not route_rx.search(ctx.reply):
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
         r"|\b(?:higher|enhanced|middle|lower|standard|top)\s+rate\s+(?:of\s+)?(?:PIP|DLA|the care|the mobility|care|"
         r"mobility)\b|\b(?:is|are)\s+(?:automatically\s+)?(?:entitled|eligible)\s+(?:to|for)\s+" + _BENEFITS + r"\b"
         r"|\u00a3\s?\d+(?:[.,]\d+)?\s*(?:a|per|every)\s*(?:week|month|fortnight|year)\b"),
     "This predicts a benefits decision, which is somebody else's responsibility; signpost instead."),
    (_rx(r"\b(?:you|they)(?:'ll|\u2019ll| will)\s+(?:definitely\s+|easily\s+|probably\s+)?(?:get|be given|be offered)\s+"
         r"(?:a\s+|the\s+)?(?:council house|bigger house|priority (?:housing|banding)|band [A-D]|visa|leave to remain|"
         r"refugee status|citizenship)\b|\b(?:the council|the housing|they)\s+(?:has|have|must)\s+to\s+rehouse\b"),
     "This answers a question that is somebody else's responsibility; signpost instead."),
]

_SIGNPOST_BEFORE = _rx(r"(?:\b(?:not|never|before|without|whether|about|if|unable|cannot)\b|n['\u2019]t\b)[^.!?]{0,40}$")


def _skip_expertise(ctx: Context, m: re.Match) -> bool:
    text = m.group(0)
    if re.match(r"[\d\u00a3]", text):  # doses and benefit sums are never ours to give
        return False
    return bool(_SIGNPOST_BEFORE.search(ctx.before_in_sentence(m.start())))


def check_out_of_expertise(ctx: Context) -> list[Finding]:
    return _scan(ctx, "out_of_expertise", _EXPERTISE, skip=_skip_expertise)


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
    """
    out: list[Finding] = []
    for f in sorted(findings, key=lambda f: (RULES.index(f.rule), f.start, -(f.end - f.start))):
        whole = _is_missing(f)

        def clash(o: Finding) -> bool:
            o_whole = _is_missing(o)
            if o.rule != f.rule or o_whole != whole:
                return False
            return (o.start, o.end) == (f.start, f.end) or (o.start < f.end and f.start < o.end)

        if any(clash(o) and (o.end - o.start) >= (f.end - f.start) for o in out):
            continue
        out = [o for o in out if not clash(o)]
        out.append(f)
    return tuple(sorted(out, key=lambda f: (f.start, RULES.index(f.rule), f.end)))


def _context(reply: str, comment: str | None, comment_triage: dict | None) -> Context:
    disclosure = complaint = False
    spans: tuple[tuple[int, int], ...] = ()
    if comment:
        spans = tuple(_comment_detections(comment, comment_triage))
        if comment_triage is not None:
            route = comment_triage.get("route")
            disclosure = bool(comment_triage.get("disclosure")) or route in DISCLOSURE_ROUTES
            complaint = bool(comment_triage.get("complaint")) or route == "complaint"
        else:
            disclosure = bool(spans)
    elif comment_triage is not None:
        route = comment_triage.get("route")
        disclosure = bool(comment_triage.get("disclosure")) or route in DISCLOSURE_ROUTES
        complaint = bool(comment_triage.get("complaint")) or route == "complaint"
    return Context(reply=reply, comment=comment, disclosure=disclosure, complaint=complaint,
                   comment_spans=spans, sentences=sentence_spans(reply))


def find_violations(ctx: Context) -> tuple[Finding, ...]:
    found: list[Finding] = []
    for rule in RULES:
        found.extend(CHECKS[rule](ctx))
    return _dedupe(found)


def check(reply: str, comment: str | None = None, comment_triage: dict | None = None, *,
          rewrite: bool = True) -> Verdict:
    """Hold one outgoing text to the policy; optionally propose a corrected reply."""
    if not isinstance(reply, str):
        raise TypeError("reply must be text")
    ctx = _context(reply, comment, comment_triage)
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

    def index_of(pos: int) -> int | None:
        for k, (s, e) in enumerate(ctx.sentences):
            if s <= pos < e:
                return k
        return None

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
            g = _GREETING_NAME.match(reply[s:e])
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
