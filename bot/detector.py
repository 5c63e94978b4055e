"""Deterministic detector of personal disclosures and safeguarding risk signals.

Safe Replies answers SENDIASS Leicester's public social-media comments and messages. Before any reply
is drafted, this module looks for two kinds of things in the incoming text:

* **disclosures** (category ``"disclosure"``): personal or confidential details that must not be
  repeated, quoted or discussed in public - phone numbers, e-mails, postcodes, addresses, dates of
  birth, NHS numbers, the writer's or a child's name, a child's age/school, and details of the
  writer's own family's SEND case or family circumstances;
* **risks** (category ``"risk"``): safeguarding signals that must go to a human at once - self-harm,
  abuse, domestic violence, neglect, a missing child, threats to children.

The design follows Microsoft Presidio's recognizers: each detector is a small :class:`Recognizer`
subclass holding a few precompiled regex :class:`Pattern` objects, optional *context* words that
raise (or are required for) confidence, and an optional validator. All recognizers are gathered in
:data:`REGISTRY`; :func:`detect` runs them and merges overlapping results.

Everything is deterministic and precompiled at import; big word lists are factored into small
tries (:func:`_alt`) and each pattern may name the substrings it ``needs``, so most regexes never run
on a given text. A typical 200-character message is checked in under a millisecond. Texts are typically lower-case, typo-ridden, UK English, so
patterns are case-insensitive unless capitalisation is itself the evidence (names).

The cost is linear in the length of the text, whatever the text (issue 10): no pattern is tried from
every character of a long run and read to its end (e-mail addresses are found in one pass over the
runs), a check made per match reads a bounded window or asks once per sentence or per text, and
merging is one sweep. tests/test_adversarial.py holds the inputs that once were quadratic.

The service's own published contact details (``service.yml``) are never personal data; they are
read through :func:`bot.profile.load_profile` and skipped, never hard-coded here.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Iterable, Iterator, Sequence

import phonenumbers
from phonenumbers import Leniency
from stdnum.gb import nhs as _stdnum_nhs

from bot.profile import load_profile

__all__ = [
    "Detection",
    "Pattern",
    "Recognizer",
    "REGISTRY",
    "DISCLOSURE_TYPES",
    "RISK_TYPES",
    "detect",
]

DISCLOSURE = "disclosure"
RISK = "risk"


# ---------------------------------------------------------------------------------------------------
# Public data types
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Detection:
    """One finding. ``text[start:end]`` of the input is the evidence (also kept in ``text``)."""

    type: str
    category: str  # "disclosure" or "risk"
    start: int
    end: int
    text: str
    score: float  # 0..1 confidence


@dataclass(frozen=True)
class Pattern:
    """A named, precompiled regex with a base score. ``group`` selects the evidence span.

    ``needs`` is an optional prefilter: lower-case substrings of which at least one must occur in
    the (lower-cased) text for the regex to be worth running at all. It only saves time: every
    match of the regex must contain one of them.
    """

    name: str
    regex: re.Pattern
    score: float
    group: int | str = 0
    needs: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------------
# Small helpers shared by the recognizers
# ---------------------------------------------------------------------------------------------------

# Curly quotes and fancy dashes become their ASCII twins; one character for one, so offsets into the
# normalised text are offsets into the original.
_NORMALISE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
                            "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def _norm(text: str) -> str:
    return text.translate(_NORMALISE)


def _rx(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern:
    """Compile case-insensitively (the default for everything but names)."""
    return re.compile(pattern, flags)


def _alt(words: Iterable[str]) -> str:
    """A non-capturing alternation of regex fragments, longest first so the regex prefers them.

    Fragments that start with a plain letter/digit are grouped by that first character
    ("(?:a(?:utism|sd)|b(?:lind)|...)"): Python's ``re`` tries alternatives one by one at every
    position, so this small trie makes big lexicons several times faster with the same matches.
    """
    groups: dict[str, list[str]] = {}
    rest: list[str] = []
    for w in words:
        if len(w) > 1 and w[0].isalnum() and w[1] not in "?*+{":
            groups.setdefault(w[0], []).append(w[1:])
        else:
            rest.append(w)
    parts = [k + "(?:" + "|".join(sorted(v, key=len, reverse=True)) + ")" if len(v) > 1 else k + v[0]
             for k, v in groups.items()]
    return "(?:" + "|".join(parts + sorted(rest, key=len, reverse=True)) + ")"


# Sentence boundaries: ., !, ? (followed by space/end) or a line break.
_SENT_END = re.compile(r"[.!?]+(?=\s|$)|\n+")


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text``; the end includes the terminator."""
    spans, start = [], 0
    for m in _SENT_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans or [(0, len(text))]


def _char_before_space(text: str, pos: int) -> str:
    """The last character before ``pos`` that is not whitespace ("" if there is none): what
    ``text[:pos].rstrip()[-1:]`` says, without copying the text before ``pos``."""
    i = pos - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return text[i] if i >= 0 else ""


def _sentence_index(spans: Sequence[tuple[int, int]], pos: int) -> int:
    """The index of the sentence holding ``pos`` (the last one past the end); a binary search, since
    the spans are contiguous and sorted (a linear scan per match made long texts quadratic)."""
    i = bisect_right(spans, (pos, _BIG)) - 1
    if 0 <= i < len(spans) and spans[i][0] <= pos < spans[i][1]:
        return i
    return len(spans) - 1


_BIG = float("inf")


# Words that look like names when capitalised but are not: function words, common sentence openers,
# case words, organisations, places, months, weekdays. Used by the name recognizers (and to keep
# street/school names honest). Lower case.
_COMMON_WORDS = frozenset("""
a about above absolutely across actually after afternoon again against age aged ages ago all almost
alone along already also although always am amazing among an and angry annual another any anybody
anyone anything anyway anyways apparently appeal april are aren't around as asap ask asked at august
autism autistic autumn away awful back bad basically be because become been before behind being
below best better between big both bought brilliant but by called came can can't cannot care carer
certainly class clearly college come comes coming concerned confused constantly could couldn't council
county covid currently dad daddy daughter day days dear december definitely desperate did didn't
different do does doesn't doing don't done down due during each early easter either else email
emotionally english especially even evening eventually ever every everybody everyone everything
exactly excluded exhausted facebook family far february few finally fine first for fortunately
frustrated friday from fully funny further generally get gets getting girl give given glad go god
goes going gone good got great had hadn't half happy hard has hasn't have haven't having he he's
head headteacher health hello help her here here's hers hey hi him his home honestly hope hopefully
hospital how however hubby husband i i'd i'll i'm i've if in indeed instead into is isn't it it's its
january july june just kids kind kindly last late lately later least leicester leicestershire less
let let's life like literally little local lockdown long look looking lot lots love lovely luckily
made maine make many march maths may maybe me meanwhile might mine miss monday month months more
morning most mostly mother mr mrs ms much mum mummy must my myself nan naturally near nearly needs
never nevertheless new next nhs nice night no nobody none noone nor not nothing november now
nowhere obviously october of off often oh ok okay old on once one only or other others otherwise our
ours out over overall own parent parents partner people perhaps personally plan please pm possibly
presumably pretty previously primary probably quite rather re really reception recently regarding
regardless right sadly said same saturday say says school schools science second secondary section
see seemingly seems send sendiass september seriously several she she's should shouldn't since sir
so social some somebody someone something sometimes somewhat son soon sorry special spring still
stressed struggling such summer sunday support sure surely teacher tell than thank thanks that
that's the their theirs them then there there's therefore these they they're third this those
though through thursday thus time to today together tomorrow tonight too totally transport tribunal
truly tuesday twice two uk under unfortunately unless until up upon urgent us usually very wales
was wasn't we we're we've wednesday week weekend weeks well went were weren't what what's whatever
when where whether which while who who's whole whom whose why wife will winter with within without
won't worried worse would wouldn't wow yeah year years yes yesterday yet you you're your yours
yourself
ehcp ehc sen senco sendco la lea ofsted camhs gp iass ipsea sendist mencap barnardos nspcc childline
samaritans academy nursery infants juniors university uni trust centre center hospital police
social services authority government dfe mp nhs amazon tesco asda google instagram twitter tiktok
whatsapp youtube christmas halloween ramadan eid diwali mondays fridays england britain
dyslexia adhd asd pda gdd down cerebral epilepsy anxiety diagnosis assessment review provision
placement mediation annual draft final plan amended mainstream specialist
everything nothing something anything everybody nobody somebody anybody someone anyone everyone
work bedtime homework dinner lunch breakfast tea mornings evenings sleep money funding communication
behaviour attendance paperwork staff education parenting grandma granny nanny grandad grandpa auntie
uncle brother sister baby teachers sencos people parents families info information meeting report
letter phone traffic weather term holidays holiday speech therapy reading writing music swimming
football gaming minecraft lego roblox fortnite pokemon netflix xbox playstation ipad tablet
transition sixth form college hub team service services charity group club church mosque temple
gurdwara police doctor doctors nurse gp's dentist optician consultant paediatrician psychologist
psychiatrist therapist worker caseworker officer panel decision appeal letter website page post
comments group chat mums dads boys girls man woman lady guy friend friends neighbour neighbours
mencap barnardos barnardo's sense scope contact ipsea kids' dfe ehcps offer
aylestone belgrave braunstone evington eyres monsell highfields humberstone knighton saffron stoneygate
westcotes wigston oadby hinckley loughborough melton harborough coalville narborough enderby blaby
glenfield anstey birstall thurmaston syston lutterworth nottingham derby coventry birmingham london
manchester northampton rutland spinney hamilton rushey mead beaumont leys clarendon abbey castle fosse
""".split())

# Extra words that never start a person's/child's name although they may follow "I'm"/"is".
_NOT_NAME_ADJ = frozenset("""
afraid annoyed anxious ashamed beyond broken confused curious delighted depressed devastated
disappointed disgusted distraught done drained embarrassed exhausted fed finished fuming furious
gutted heartbroken hopeful interested livid lost new nervous not overwhelmed pleased proud ready
relieved scared shocked sick sure tired terrified thankful thrilled unsure upset wondering writing
hoping trying getting going looking asking messaging contacting reaching posting emailing calling
""".split())


def _is_name_word(word: str) -> bool:
    """True if ``word`` could plausibly be a given name or surname (not a common word)."""
    w = word.lower().removesuffix("'s").rstrip("'")
    if len(w) < 2 or w in _COMMON_WORDS or w in _NOT_NAME_ADJ:
        return False
    if w.endswith("ing") and len(w) > 5:  # Worrying, Struggling...
        return False
    if len(w) > 5 and w.endswith(("tion", "sion", "ment", "ness", "ism", "ship", "ology", "ful", "less", "ous")):
        return False  # Communication, Assessment, Happiness...
    return True


# ---------------------------------------------------------------------------------------------------
# Base classes
# ---------------------------------------------------------------------------------------------------


class Recognizer:
    """Base recognizer, in the manner of Presidio's ``PatternRecognizer``.

    Subclasses set :attr:`type`, :attr:`category` and :attr:`patterns`; optionally :attr:`context`
    (a regex of words that, found within :attr:`context_window` characters of a match, raise its
    score by :attr:`context_boost`, or are mandatory when :attr:`context_required`), and override
    :meth:`validate` to reject or re-score a match. Recognizers that need more than patterns
    override :meth:`find` itself.
    """

    type: str = ""
    category: str = DISCLOSURE
    patterns: Sequence[Pattern] = ()
    context: re.Pattern | None = None
    context_window: int = 50
    context_boost: float = 0.15
    context_required: bool = False

    def validate(self, match: re.Match, text: str, pattern: Pattern) -> float | None:
        """Return the score for ``match`` (``pattern.score`` by default) or None to reject it."""
        return pattern.score

    def has_context(self, text: str, start: int, end: int) -> bool:
        if self.context is None:
            return False
        window = text[max(0, start - self.context_window): end + self.context_window]
        return self.context.search(window) is not None

    def detection(self, text: str, start: int, end: int, score: float) -> Detection:
        return Detection(self.type, self.category, start, end, text[start:end], round(min(score, 1.0), 2))

    def find(self, text: str) -> Iterator[Detection]:
        norm = _norm(text)
        low = norm.lower()
        if self.context_required and self.context is not None and self.context.search(norm) is None:
            return
        for pattern in self.patterns:
            if pattern.needs and not any(n in low for n in pattern.needs):
                continue
            for m in pattern.regex.finditer(norm):
                start, end = m.span(pattern.group)
                if start < 0 or start == end:
                    continue
                score = self.validate(m, norm, pattern)
                if score is None:
                    continue
                if self.context is not None:
                    found = self.has_context(norm, start, end)
                    if self.context_required and not found:
                        continue
                    if found:
                        score += self.context_boost
                yield self.detection(text, start, end, score)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.category}:{self.type}>"


class RiskRecognizer(Recognizer):
    """A recognizer whose patterns are a lexicon of (name, regex, score) triples; category "risk"."""

    category = RISK


def _lexicon(*entries: tuple, flags: int = re.IGNORECASE) -> tuple[Pattern, ...]:
    """Patterns from (name, regex, score[, needs]) tuples; ``needs`` as in :class:`Pattern`."""
    return tuple(Pattern(e[0], re.compile(e[1], flags), e[2], 0, tuple(e[3]) if len(e) > 3 else ()) for e in entries)


# ---------------------------------------------------------------------------------------------------
# Shared vocabulary
# ---------------------------------------------------------------------------------------------------

_DIGITS = tuple("0123456789")  # a ``needs`` prefilter: the text has a digit

# A child / young person of the family.
_KID = _alt([
    "son", "sons", "daughter", "daughters", "boy", "boys", "girl", "girls", "child", "children",
    "kid", "kids", "grandson", "grandsons", "granddaughter", "granddaughters", "grandchild",
    "grandaughter", r"grand[- ]daughter", r"grand[- ]son", "grandkid", "daugther", "duaghter", "daughers", "childs",
    "grandchildren", "grandkids", "stepson", "stepdaughter", r"step[- ]son", r"step[- ]daughter",
    r"step[- ]?child", r"step[- ]?kids", "twins", "twin", "lad", "baby", "toddler", "teen", "teenager",
    "young person", "yp", "little one", "lo", "ds", "dd", "nephew", "niece", "foster son",
    "foster daughter", "foster child", "foster children", "brother", "sister", "youngest", "eldest",
    "oldest", r"middle one",
])
# Optional modifiers before the child noun: "my little boy", "my eldest son", "my 7 year old son".
_AGE_OLD = r"\d{1,2}\s*(?:-|\s)?(?:yrs?|years?|y)\s*(?:-|\s)?o(?:ld|\.)?|\d{1,2}\s*yo"
_KID_MOD = (r"(?:(?:little|eldest|oldest|youngest|middle|younger|older|baby|big|twin|adopted|foster|"
            r"autistic|disabled|beautiful|gorgeous|lovely|poor|teenage|teen|" + _AGE_OLD + r")[\s,]+){0,3}")
_POSS = r"(?:'s|s'|s\b|')?"
# "my son", "our little girl", "my 14 yr old", "my friend's daughter"
_FAMILY_REF = (
    r"\b(?:my|our)\s+" + _KID_MOD + _KID + r"\b" + _POSS
    + r"|\b(?:my|our)\s+(?:" + _AGE_OLD + r")\b" + _POSS
    + r"|\bmy\s+(?:best\s+)?(?:friend|mate|neighbour|neighbor|sister|brother|cousin|colleague|"
      r"sister[- ]in[- ]law|brother[- ]in[- ]law|aunt|auntie|uncle|partner|ex)(?:'s|s)\s+" + _KID_MOD + _KID
    + r"\b" + _POSS
)
_PRONOUN_SUBJ = r"(?:he|she|they)"
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")

# Numbers followed by these are not ages: "2 hours", "3 times", "1 of", "12%", "5ft", "2nd".
_NOT_AGE_AFTER = (r"(?!\s*(?:%|percent|hours?|hrs?\b|mins?\b|minutes?|seconds?|days?|weeks?|wks?|months?|"
                  r"times?\b|miles?|kg|kilos?|stone|lbs?\b|pounds?|ft\b|feet|foot|cm\b|inches|quid|p\b|"
                  r"pm\b|am\b|o'?clock|th\b|st\b|nd\b|rd\b|[:./\-]\d|x\b|of\b|out of|"
                  r"(?:years?|yrs?)\s+(?:behind|ago|later|waiting|since|now|in)\b))")


# ---------------------------------------------------------------------------------------------------
# Disclosure recognizers: contact details and identifiers
# ---------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _official() -> tuple[frozenset[str], frozenset[str]]:
    """(official phone digit strings, official e-mails) from the service profile."""
    profile = load_profile()
    return frozenset(profile.official_phone_digits), frozenset(e.lower() for e in profile.official_emails)


def _is_official_phone(raw: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    if raw.lstrip().startswith("+") and digits.startswith("44"):
        digits = "0" + digits[2:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    official = _official()[0]
    return digits in official or digits.lstrip("0") in {d.lstrip("0") for d in official}


_DIGIT = re.compile(r"\d")


class PhoneRecognizer(Recognizer):
    """UK phone numbers, found by ``phonenumbers`` (leniency VALID), plus a fallback regex for
    obviously phone-shaped but mistyped or fictional UK mobiles/landlines ("07845 221 90",
    "07700 900123"). The service's own numbers are skipped."""

    type = "phone"
    # Fallback: 07... mobiles (or +44 7...) and 01/02 landlines, in groups of 2-5 digits.
    patterns = (
        Pattern("uk_mobile_like", re.compile(r"(?<![\d+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|0)7\d{2,3}(?:[ -]?\d{2,5}){1,3}(?!\d)"), 0.6),
        Pattern("uk_landline_like", re.compile(r"(?<![\d+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|0)[12]\d{2,4}(?:[ -]?\d{3,4}){1,2}(?!\d)"), 0.45),
    )
    context = _rx(r"\b(?:call|ring|phone|mobile|mob|number|no\.?|tel|text|whatsapp|contact|reach)\b")

    def find(self, text: str) -> Iterator[Detection]:
        if len(_DIGIT.findall(text)) < 7:  # cheap gate: no phone number without 7+ digits
            return
        norm = _norm(text)
        # Spans already reported: disjoint, kept sorted, so an overlap test is one binary search.
        taken: list[tuple[int, int]] = []
        for m in phonenumbers.PhoneNumberMatcher(norm, "GB", leniency=Leniency.VALID):
            insort(taken, (m.start, m.end))
            if _is_official_phone(m.raw_string):
                continue
            score = 0.9 if self.has_context(norm, m.start, m.end) else 0.8
            yield self.detection(text, m.start, m.end, score)
        for pattern in self.patterns:
            for m in pattern.regex.finditer(norm):
                start, end = self._trim(norm, m.start(), m.end())
                if end is None or self._overlaps(taken, start, end):
                    continue
                if _is_official_phone(norm[start:end]):
                    continue
                score = pattern.score + (self.context_boost if self.has_context(norm, start, end) else 0)
                insort(taken, (start, end))
                yield self.detection(text, start, end, score)

    @staticmethod
    def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
        """Whether [start, end) overlaps a span of ``taken`` (sorted, pairwise disjoint)."""
        i = bisect_left(taken, (end, -1)) - 1  # the last span starting before ``end``
        return i >= 0 and taken[i][1] > start

    @staticmethod
    def _trim(text: str, start: int, end: int) -> tuple[int, int | None]:
        """Drop trailing digit groups until the national number has 10-12 digits (else reject)."""
        raw = text[start:end]
        national = re.sub(r"\D", "", raw)
        if raw.startswith("+") or raw.startswith("00"):
            national = "0" + national[2 if raw.startswith("+") else 4:]
        while len(national) > 12:
            cut = max(raw.rfind(" "), raw.rfind("-"))
            if cut <= 0:
                return start, None
            dropped = re.sub(r"\D", "", raw[cut:])
            raw, national = raw[:cut], national[: len(national) - len(dropped)]
        if not 10 <= len(national) <= 12:
            return start, None
        return start, start + len(raw)


_EMAIL_PROVIDERS = ("gmail", "googlemail", "hotmail", "yahoo", "outlook", "icloud", "live", "btinternet", "aol", "sky",
                    "virginmedia", "protonmail", "talktalk", "msn", "me")
# An e-mail address: a local part, "@", a domain. Written as one regex it is
#     \b[a-z0-9][a-z0-9._%+'-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b
# but that regex tries every word boundary of a long local-part run and scans to its end each time
# (quadratic on "1-1-1-1-..."). Every start inside one run reaches the same "@", so only the first
# possible start of each run matters: EmailRecognizer.find walks the runs once, left to right.
_EMAIL_RUN = _rx(r"[a-z0-9._%+'-]+")
_EMAIL_START = _rx(r"\b[a-z0-9]")
_EMAIL_DOMAIN = _rx(r"@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")
# "name at gmail dot com": the same walk over runs of [a-z0-9._-], each followed by this.
_OBFUSCATED_RUN = _rx(r"[a-z0-9._-]+")
_OBFUSCATED_TAIL = _rx(
    r"\s*(?:\(at\)|\[at\]|\sat\s)\s*(?:" + "|".join(_EMAIL_PROVIDERS) + r")\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*"
    r"(?:com|co\s*(?:\.|dot)\s*uk|net|org|uk)\b")
# The pre-check: an "at" right before a provider's name. (The provider words alone - "me", "live",
# "sky" - occur in almost any text.)
_OBFUSCATED_AT = _rx(r"(?:\(at\)|\[at\]|\sat\s)\s*(?:" + "|".join(_EMAIL_PROVIDERS) + r")")


class EmailRecognizer(Recognizer):
    """E-mail addresses (and the common "name at gmail dot com" obfuscation); the service's own skipped."""

    type = "email"
    patterns = (
        Pattern("email", _rx(r"\b[a-z0-9][a-z0-9._%+'-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"), 0.95, needs=("@",)),
        Pattern("email_obfuscated", _rx(
            r"\b[a-z0-9][a-z0-9._-]*\s*(?:\(at\)|\[at\]|\sat\s)\s*(?:gmail|googlemail|hotmail|yahoo|outlook|icloud|"
            r"live|btinternet|aol|sky|virginmedia|protonmail|talktalk|msn|me)\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*"
            r"(?:com|co\s*(?:\.|dot)\s*uk|net|org|uk)\b"), 0.75, needs=_EMAIL_PROVIDERS),
    )  # the regexes as documentation and for tests; find() gives exactly their matches, in linear time

    @staticmethod
    def _spans(norm: str, run_rx: re.Pattern, tail_rx: re.Pattern, at: int) -> Iterator[tuple[int, int]]:
        """The matches of ``\\b[a-z0-9]`` + run + tail, as ``finditer`` would find them.

        ``at`` is where the tail must start relative to the run's end (0: right after it). A match
        starts at the first word boundary + letter/digit of a run (at or after the previous match's
        end) whose end is followed by the tail; any later start in the same run would reach the same
        tail, so if the first one fails they all do."""
        last = 0
        for run in run_rx.finditer(norm):
            r0, r1 = run.span()
            if r1 <= last:
                continue
            tail = tail_rx.match(norm, r1 + at)
            if tail is None:
                continue
            first = _EMAIL_START.search(norm, max(r0, last), r1)
            if first is None:
                continue
            last = tail.end()
            yield first.start(), last

    def find(self, text: str) -> Iterator[Detection]:
        norm = _norm(text)
        email, obfuscated = self.patterns
        found: list[tuple[int, int, float]] = []
        if "@" in norm:
            found += [(s, e, email.score) for s, e in self._spans(norm, _EMAIL_RUN, _EMAIL_DOMAIN, 0)]
        if _OBFUSCATED_AT.search(norm):
            found += [(s, e, obfuscated.score) for s, e in self._spans(norm, _OBFUSCATED_RUN, _OBFUSCATED_TAIL, 0)]
        for start, end, score in found:
            if norm[start:end].lower() in _official()[1]:
                continue
            yield self.detection(text, start, end, score)


# Postcode areas of the UK (first letters of the outward code); used to validate candidates.
_POSTCODE_AREAS = frozenset("""
AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH
EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME
MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY
TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE
""".split())


class PostcodeRecognizer(Recognizer):
    """Full UK postcodes ("LE4 5AS", "le21ab"), validated against the list of postcode areas;
    an outward code alone ("LE4") only straight after the word "postcode"."""

    type = "postcode"
    patterns = (
        Pattern("full", _rx(r"\b([a-z]{1,2})(\d[a-z\d]?)\s?(\d[abd-hjlnp-uw-z]{2})\b"), 0.85, needs=_DIGITS),
        Pattern("outward_after_word", _rx(r"\bpost\s?code\s*(?:is|:|-)?\s*([a-z]{1,2}\d[a-z\d]?)\b"), 0.6, 1, needs=("post",)),
    )
    context = _rx(r"\b(?:post\s?code|live|living|address|area)\b")
    _ORDINAL = re.compile(r"\d(?:st|nd|rd|th)$", re.I)

    def validate(self, match, text, pattern):
        area = re.match(r"[A-Za-z]+", match.group(1)).group(0).upper()
        if area not in _POSTCODE_AREAS:
            return None
        if pattern.name == "full":
            inward = match.group(3)
            # "m8 2nd", "b1 3rd": looks like chat, not a postcode, unless it is written in capitals
            if self._ORDINAL.search(inward) and not inward.isupper():
                return None
        return pattern.score


_STREET_SUFFIX = _alt([
    "road", "rd", "street", "st", "avenue", "ave", "lane", "ln", "close", "drive", "dr", "way",
    "crescent", "cres", "court", "ct", "gardens", "gdns", "place", "pl", "terrace", "grove", "mews",
    "square", "walk", "rise", "row", "parade", "boulevard",
])
# Words that cannot be part of a street name: function words, time/number units, vague adjectives.
_NOT_STREET = _alt([
    "the", "a", "an", "on", "in", "at", "of", "to", "and", "or", "my", "our", "his", "her", "their",
    "your", "for", "with", "from", "by", "is", "was", "are", "be", "it", "this", "that", "busy",
    "main", "quiet", "same", "other", "long", "short", "whole", "minutes?", "mins?", "hours?", "hrs?",
    "seconds?", "days?", "weeks?", "months?", "years?", "yrs?", "miles?", "times?", "kids?", "children",
    "year", "yr", "old", "more", "less", "no", "not", "one", "two", "three", "each", "every", "minute",
])
_STREET_WORD = r"(?!" + _NOT_STREET + r"\b)[a-z][a-z'-]+"
_STREET_NAME = r"(?:st\.?\s+)?" + _STREET_WORD + r"(?:\s+" + _STREET_WORD + r"){0,2}\s+" + _STREET_SUFFIX + r"\b\.?"


class AddressRecognizer(Recognizer):
    """A street address: house number + street name + suffix ("27 Belgrave Road", "flat 2, 14b
    Mill Lane"), or a street named after "live on/at" ("we live on Narborough Road")."""

    type = "address"
    patterns = (
        Pattern("number_street", _rx(r"(?<![\d/.,:£$-])\b\d{1,4}[a-z]?,?\s+" + _STREET_NAME), 0.85, needs=_DIGITS),
        Pattern("live_on_street", _rx(
            r"\b(?:live|lives|living|lived|moved|moving|stay|staying|reside|resides|house\s+is|home\s+is|"
            r"flat\s+is|address\s+is)\s+(?:on|at|in|off|to)\s+(" + _STREET_NAME + r")"), 0.7, 1,
                needs=("live", "living", "moved", "moving", "stay", "reside", "house", "home", "flat", "address")),
    )
    _NOT_BEFORE = re.compile(r"\b(?:year|yr|y|aged?|class|room|page|top|group|set|level|stage|key|ks)\s*$", re.I)

    def validate(self, match, text, pattern):
        if pattern.name == "number_street" and self._NOT_BEFORE.search(text[max(0, match.start() - 8): match.start()]):
            return None
        return pattern.score


_DATE_PATTERNS = (
    Pattern("dmy_numeric", _rx(r"\b(?:0?[1-9]|[12]\d|3[01])[/.\-](?:0?[1-9]|1[0-2])[/.\-](?:(?:19|20)\d{2}|\d{2})\b"), 0.8),
    Pattern("d_month_y", _rx(r"\b(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?:(?:19|20)\d{2}|'\d{2}|\d{2})\b"), 0.85),
    Pattern("month_d_y", _rx(r"\b" + _MONTH + r"\s+(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}\b"), 0.85),
    Pattern("d_month", _rx(r"\b(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?![a-z])"), 0.6),
    Pattern("month_year", _rx(r"\b" + _MONTH + r"\s+(?:19|20)\d{2}\b"), 0.6),
)


class DateOfBirthRecognizer(Recognizer):
    """A date near born / DOB / d.o.b / birthday / date of birth ("DOB 12/03/2015", "he was born on
    3rd March 2016", "her birthday is 12.3.15"). Dates without that context are not reported."""

    type = "date_of_birth"
    patterns = _DATE_PATTERNS
    context = _rx(r"\b(?:born|dob|d\.o\.b|birthday|birth\s?date|date\s+of\s+birth|b'?day|bday)\b")
    context_window = 40
    context_required = True
    context_boost = 0.1


class NhsNumberRecognizer(Recognizer):
    """10-digit NHS numbers ("943 476 5919", "943-476-5919", "9434765919") that pass the NHS
    modulus-11 checksum (``stdnum.gb.nhs``). Without the word "NHS" nearby the score is lower,
    and numbers starting with 0 (phone-like) are only reported with that context."""

    type = "nhs_number"
    patterns = (Pattern("nhs", re.compile(r"(?<![\d+])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d])"), 0.6, needs=_DIGITS),)
    context = _rx(r"\bnhs\b|\bhealth\s+(?:service\s+)?(?:no|number)\b")
    context_window = 40
    context_boost = 0.35

    def validate(self, match, text, pattern):
        digits = re.sub(r"\D", "", match.group(0))
        if not _stdnum_nhs.is_valid(digits):
            return None
        if digits.startswith("0") and not self.has_context(text, match.start(), match.end()):
            return None
        return pattern.score


# ---------------------------------------------------------------------------------------------------
# Disclosure recognizers: names
# ---------------------------------------------------------------------------------------------------

_CAP_NAME = r"[A-Z][a-z]+(?:['-][A-Z][a-z]+)?"
_ROLE = r"(?i:(?:a\s+|the\s+|proud\s+|single\s+)?(?:mum|mom|mam|mother|dad|father|parent|carer|nan|nanny|gran|grandma|grandad|grandparent|aunt|auntie|uncle|foster\s+carer|guardian)\b)"


class PersonNameRecognizer(Recognizer):
    """The writer names themselves: "my name is Sarah Okafor", "I'm Sarah Okafor, mum of...",
    "Hi, this is Sarah, dad to...". Capitalised words only after "I'm/I am/this is" (so "I'm
    Worried About My Son" is not a name); "my name is" also accepts a lower-case first name."""

    type = "person_name"
    patterns = (
        Pattern("my_name_is", re.compile(
            r"(?i:\bmy\s+name(?:\s+is|'s|s)|\bmy\s+names\s+is|\bi\s+am\s+called|\bi'?m\s+called|\bcall\s+me)\s+"
            r"((?i:[a-z][a-z'-]+)(?:\s+" + _CAP_NAME + r"){0,2})"), 0.85, 1, needs=("name", "call")),
        Pattern("i_am_full_name", re.compile(
            r"(?i:\b(?:i\s+am|i'm|im|this\s+is|it's|its)\s+)(" + _CAP_NAME + r"(?:\s+" + _CAP_NAME + r"){1,2})\b"), 0.75, 1, needs=("i am", "i'm", "im", "this is", "it's", "its")),
        Pattern("i_am_name_role", re.compile(
            r"(?i:\b(?:i\s+am|i'm|im|this\s+is|it's|its)\s+)(" + _CAP_NAME + r")(?=\s*[,(-]?\s*" + _ROLE + r")"), 0.75, 1, needs=("i am", "i'm", "im", "this is", "it's", "its")),
        Pattern("greeting_name", re.compile(
            r"(?i:^\W*(?:hi|hello|hiya|hey)\b[\s,!]*(?:all|everyone|there)?[\s,!]*(?:it's|its|this\s+is|i'm|im)\s+)(" + _CAP_NAME + r")(?=\s*(?:[,.!]|$|here\b|again\b|from\b))"), 0.65, 1, needs=("hi", "hello", "hey")),
        Pattern("sign_off", re.compile(
            r"(?i:\b(?:thanks|thank\s+you|many\s+thanks|regards|kind\s+regards|best\s+wishes|cheers)\b[^\n]{0,40}\n\s*)(" + _CAP_NAME + r"(?:\s+" + _CAP_NAME + r")?)\s*[.!x]*\s*$"), 0.5, 1,
                needs=("thank", "regards", "wishes", "cheers")),
    )

    def validate(self, match, text, pattern):
        words = match.group(1).split()
        first = words[0]
        if not _is_name_word(first):
            return None
        if pattern.name == "my_name_is":
            # "my name is sarah" is fine; "my name is on the list" is not.
            if first.islower() and len(words) == 1 and first in _COMMON_WORDS:
                return None
            return pattern.score if first[0].isupper() else pattern.score - 0.15
        if any(not _is_name_word(w) for w in words):
            return None
        return pattern.score


# Verbs/case words that make a capitalised word the subject of case details: "Ethan is starting".
_CASE_VERB = _alt([
    "is", "has", "was", "can't", "cant", "cannot", r"can\s+not", "won't", "wont", "needs", "goes",
    "attends", "started", "starting", "starts", "got", "gets", "keeps", "isn't", "hasn't", "wasn't",
    "doesn't", "didn't", "does", "did", "had", "will", "struggles", "struggled", "refuses", "refused",
    "went", "came", "comes", "loves", "hates", "finds", "found", "missed", "misses", "used to",
    "became", "becomes", "takes", "took", "seems", "gets", "would", "could", "should", "can",
    "isnt", "hasnt", "doesnt", "didnt", "wasnt", "also", "still", "now", "currently", "really",
])
_ADVERB_GAP = r"(?:\s+(?:still|also|now|currently|just|really|often|always|never|sometimes|only|even|already|recently|finally|literally))?"
_NAME_FOLLOW_LC = _alt([
    "is", "has", "was", "needs", "goes", "keeps", "got", "can't", "cant", "cannot", "won't", "wont",
    "attends", "started", "starting", "had", "isn't", "hasn't", "doesn't", "didn't", "struggles",
    "refuses", "who", "aged", "age",
])
# Lower-case words that are never names after "my son": adverbs, verbs, pronouns...
_NOT_LC_NAME = frozenset("""
also just really still now currently definitely actually sometimes often always never usually
rarely apparently obviously only even too then though finally already since here there who which
that what he she they it has is was had have needs need goes keeps got gets started starting aged
age and but with said says does did will would could should can cannot cant wont won't isn't hasn't
doesn't didn't when where while whos who's whose mostly recently literally honestly basically
again today tomorrow yesterday last next first one two three four five six seven eight nine ten
who's hes shes theyre been being seems went came comes as so at in on of for to from by or nor
year years yr yrs old months weeks days age ages attends attended struggles refuses hates loves
school nursery college home""".split())


class ChildNameRecognizer(Recognizer):
    """A named child of the writer's family: "my son Jayden", "my daughter, Amelia,", "our grandson
    Leo", "my son jayden is..."; or a capitalised first name used as the subject of case details
    ("Ethan is starting secondary", "the school have told me Amelia can't go")."""

    type = "child_name"
    patterns = (
        Pattern("family_noun_name", re.compile(
            r"(?i:\b(?:my|our)\s+" + _KID_MOD + _KID + r")\s*,?\s*(?:(?i:who\s+is\s+|is\s+)?(?i:called|named)\s+)?"
            r"(" + _CAP_NAME + r")\b"), 0.85, 1, needs=("my", "our")),
        Pattern("family_noun_lc_name", re.compile(
            r"(?i:\b(?:my|our)\s+" + _KID_MOD + _KID + r"\s*,?\s*)([a-z][a-z'-]{1,14}?)(?:'s\b|(?=,?\s+" + _NAME_FOLLOW_LC + r"\b))"), 0.65, 1, needs=("my", "our")),
        Pattern("called_name", re.compile(
            r"(?i:\b(?:his|her|their|my\s+" + _KID + r"'s)\s+name\s+is\s+|\b(?:he|she)(?:'s|\s+is)\s+called\s+)(" + _CAP_NAME + r")\b"), 0.7, 1, needs=("name", "called")),
        Pattern("our_name", re.compile(r"(?i:\bour\s+)(" + _CAP_NAME + r")(?=" + _ADVERB_GAP + r"(?:'s\s|\s+" + _CASE_VERB + r"\b))"), 0.6, 1, needs=("our",)),
        Pattern("subject_name", re.compile(r"\b(" + _CAP_NAME + r")(?=" + _ADVERB_GAP + r"(?:'s\s|\s+(?i:" + _CASE_VERB + r")\b))"), 0.6, 1),
    )
    # The word before a subject name: a title ("Mrs Patel is") makes it staff; another capitalised
    # non-common word makes it part of a longer proper noun ("Beaumont Leys is", "Sarah Okafor is").
    _WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z'.]*)[ \t]+$")
    _TITLES = frozenset("mr mr. mrs mrs. ms ms. miss dr dr. sir prof st st. saint lord lady dame the a an".split())
    _WORD = re.compile(r"[A-Za-z]+")
    # "Sarah was so helpful": thanks to a member of staff, not a child's case.
    _PRAISE_AFTER = re.compile(r"\s+(?:was|is|has\s+been|were)\s+(?:so\s+|really\s+|very\s+|absolutely\s+|such\s+a\s+)?"
                               r"(?:helpful|lovely|brilliant|amazing|fantastic|great|fab|wonderful|kind|supportive|excellent|"
                               r"informative|patient|knowledgeable|a\s+star|a\s+great\s+help|a\s+big\s+help|a\s+(?:great|big)?\s*help)\b", re.I)

    def validate(self, match, text, pattern):
        name = match.group(1)
        if pattern.name == "family_noun_lc_name":
            w = name.lower()
            if w in _NOT_LC_NAME or w in _COMMON_WORDS or (w.endswith("ly") and len(w) > 6) or w.endswith("ing"):
                return None
            return pattern.score
        if not _is_name_word(name):
            return None
        if pattern.name == "subject_name":
            prev = self._WORD_BEFORE.search(text, max(0, match.start(1) - 20), match.start(1))
            if prev:
                word = prev.group(1)
                if word.lower() in self._TITLES:
                    return None
                if word[0].isupper() and word != "I":
                    # "Beaumont Leys is", "Sarah Okafor is": part of a longer proper noun. A capitalised
                    # common word counts too unless it opens the sentence: "The Local Offer is" is a
                    # title, "Yesterday Maisie was" is not.
                    opener = _char_before_space(text, prev.start(1))
                    if _is_name_word(word) or not (opener == "" or opener in ".!?:;\n\"'(-"):
                        return None
            if self._title_case(text) or self._PRAISE_AFTER.match(text, match.end(1)):
                return None
        return pattern.score

    def find(self, text: str) -> Iterator[Detection]:
        # Cached: FamilySendDetailRecognizer runs it again on the same text, to use names as references.
        return iter(self._find_cached(text))

    @lru_cache(maxsize=16)
    def _find_cached(self, text: str) -> tuple[Detection, ...]:
        return tuple(super().find(text))

    @staticmethod
    @lru_cache(maxsize=16)
    def _title_case(text: str) -> bool:
        """Texts Written Like This make every word look like a name: skip the loose pattern.
        (Cached per text: it is asked once per candidate name, and counting is linear in the text.)"""
        words = ChildNameRecognizer._WORD.findall(text)
        if len(words) < 4:
            return False
        caps = sum(1 for w in words if w[0].isupper())
        return caps / len(words) > 0.6


# ---------------------------------------------------------------------------------------------------
# Disclosure recognizers: a child's age and school
# ---------------------------------------------------------------------------------------------------

_SCHOOL_SUFFIX = r"(?:primary(?:\s+school)?|school|academy|college|infants?(?:\s+school)?|juniors?(?:\s+school)?|high(?:\s+school)?|nursery|pre-?school|special\s+school)"
# A named school, capitalised ("Rowlatts Hill", "St Mary's primary") or lower-case with a suffix
# ("soar valley college").
_SCHOOL_CAP = r"(?:(?:St|Saint)\.?\s+)?[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,3}(?:\s+(?i:" + _SCHOOL_SUFFIX + r"))?"
_SCHOOL_LC = r"(?i:(?:st\.?\s+)?(?:[a-z'-]+\s+){1,3}" + _SCHOOL_SUFFIX + r")\b"
_SCHOOL = r"(?:" + _SCHOOL_CAP + r"|" + _SCHOOL_LC + r")"
_SCHOOL_YEAR = r"(?:(?:year|yr|y)\s?(?:[1-9]|1[0-4])\b|reception|nursery|pre-?school|sixth\s+form|foundation\s+stage)"
_AGE_OR_YEAR = (
    r"(?:" + _SCHOOL_YEAR
    + r"|(?:" + _PRONOUN_SUBJ + r"(?:'s|\s+is|\s+are|'re)|hes|shes|theyre)\s+(?:only\s+|just\s+|now\s+|nearly\s+)?\d{1,2}\b"
    + r"|(?:my|our)\s+(?:" + _AGE_OLD + r")\b(?:\s+" + _KID + r")?"
    + r"|(?:my|our)\s+" + _KID_MOD + _KID + r"\s*(?:,|is|'s|who\s+is|aged?)\s*\d{1,2}\b"
    + r"|aged?\s+\d{1,2}\b)"
)
_AT = r"(?:at|in|@|attends|attending|goes\s+to|going\s+to|go\s+to|started\s+at|starting\s+at)"
# A "named school" must not start with these: "at the moment", "in a mainstream school", "in Maths".
_SCHOOL_GENERIC = frozenset("""a an the his her their my our this that mainstream special local new current
secondary primary private independent catchment high big small same other school college nursery
different another moment home all least last first times time class year yr reception sixth
leicester leicestershire maths english science pe art music mr mrs ms miss sir dr
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday christmas easter half term summer
lunch lunchtime break playtime night weekend weekends""".split())


_SCHOOL_SUFFIX_END = re.compile(_SCHOOL_SUFFIX + r"$", re.I)
_NOT_A_SCHOOL_AFTER = re.compile(r"\s+(?:hospital|park|station|airport|shops|market|centre|library|pool)\b", re.I)


class ChildAgeSchoolRecognizer(Recognizer):
    """A child's age or school year together with a named school/setting: "year 5 at Rowlatts Hill",
    "he's 7 and at St Mary's primary", "my 14 year old at Beaumont Leys school", "in reception at
    Greenfield", "yr 9 in Soar Valley College", "at Soar Valley in year 9"."""

    type = "child_age_school"
    patterns = (
        Pattern("age_then_school", re.compile(
            r"(?i:\b" + _AGE_OR_YEAR + r")(?i:[^.!?\n]{0,40}?\b" + _AT + r")\s+(" + _SCHOOL + r")"), 0.85, needs=_DIGITS + ("reception", "nursery", "school", "sixth", "foundation")),
        Pattern("school_then_year", re.compile(
            r"(?i:\b(?:at|attends|attending|goes\s+to)\s+)(" + _SCHOOL + r")(?i:\s*,?\s*(?:and\s+)?(?:(?:he|she|they)(?:'s|\s+is|\s+are|'re)\s+)?(?:in\s+)?"
            + _SCHOOL_YEAR + r")"), 0.8, needs=_DIGITS + ("reception", "nursery", "school", "sixth", "foundation")),
    )

    def validate(self, match, text, pattern):
        school = match.group(1).split()
        first = school[0].lower().rstrip(".")
        if first in ("st", "saint") and len(school) > 1:
            first = school[1].lower()
        has_suffix = _SCHOOL_SUFFIX_END.search(match.group(1)) is not None
        if first in _SCHOOL_GENERIC and not (first in ("leicester", "leicestershire") and has_suffix):
            return None  # "at the moment", "in Maths", but "Leicester College" is a college
        if _NOT_A_SCHOOL_AFTER.match(text, match.end(1)):
            return None  # "at Nottingham hospital"
        ages = [int(n) for n in re.findall(r"\d{1,2}", match.group(0)[: match.start(1) - match.start()])]
        if any(n > 25 for n in ages):
            return None
        return pattern.score


class ChildAgeRecognizer(Recognizer):
    """A child's age in the writer's family: "my son is 12", "my 14 yr old", "she's only 9",
    "my daughter (6)"; a young person's own age ("I'm 16") at a lower score."""

    type = "child_age"
    patterns = (
        Pattern("kid_is_age", _rx(
            r"\b(?:my|our)\s+" + _KID_MOD + _KID + r"(?:\s*[,(]\s*|\s+|'s\s+)(?:who\s+is\s+|who's\s+|is\s+|are\s+|aged?\s+|age\s+|turned\s+|turns\s+)?"
            r"(?:only\s+|just\s+|now\s+|nearly\s+|almost\s+|turning\s+|recently\s+turned\s+)?(\d{1,2})\b" + _NOT_AGE_AFTER
            + r"(?:\s*(?:years?|yrs?)\s*old|\s*yo\b|\))?"), 0.8, needs=_DIGITS),
        Pattern("kid_name_age", re.compile(
            r"(?i:\b(?:my|our)\s+" + _KID_MOD + _KID + r")\s*,?\s*(" + _CAP_NAME + r")\s*,?\s*(?i:(?:is|'s|who\s+is|who's|aged?|turned)\s+"
            r"(?:only\s+|just\s+|now\s+|nearly\s+|almost\s+)?)(\d{1,2})\b" + _NOT_AGE_AFTER), 0.8, needs=_DIGITS),
        Pattern("kid_is_age_word", _rx(
            r"\b(?:my|our)\s+" + _KID_MOD + _KID + r"(?:'s|\s+is|\s+are|\s+who\s+is|\s*,)\s+(?:only\s+|just\s+|now\s+|nearly\s+|almost\s+)?"
            r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
            r"(?=\s*(?:[.,!?;]|$|years?\s+old|yrs?\s+old|and\b|but\b|now\b|so\b|in\s+(?:year|yr|reception)))"), 0.75),
        Pattern("kid_age_old", _rx(r"\b(?:my|our)\s+(\d{1,2})\s*(?:-|\s)?(?:yrs?|years?|y)\s*(?:-|\s)?o(?:ld|\.)?\b|\b(?:my|our)\s+(\d{1,2})\s*yo\b"), 0.8, needs=_DIGITS),
        Pattern("pronoun_age", _rx(
            r"\b(?:(?:he|she)(?:'s|\s+is|\s+was|\s+turned|\s+turns|\s+will\s+be)|hes|shes)\s+(?:only\s+|just\s+|now\s+|nearly\s+|almost\s+|turning\s+)?(\d{1,2})\b"
            + _NOT_AGE_AFTER + r"(?:\s*(?:years?|yrs?)\s*old)?"), 0.65, needs=_DIGITS),
        Pattern("self_age", _rx(r"\b(?:i'?m|i\s+am)\s+(?:only\s+|just\s+|now\s+)?(\d{1,2})\b" + _NOT_AGE_AFTER
                                + r"(?=\s*(?:years?\s*old|yrs?\s*old|yo\b|y/o|and\b|,|\.|!|$|but\b|with\b))"), 0.5, needs=_DIGITS),
    )

    def validate(self, match, text, pattern):
        if pattern.name == "kid_is_age_word":
            return pattern.score
        ages = [int(g) for g in match.groups() if g and g.isdigit()]
        if not ages or any(a > 25 for a in ages):
            return None
        if pattern.name == "kid_name_age" and not _is_name_word(match.group(1)):
            return None
        if pattern.name == "self_age" and not 10 <= ages[0] <= 25:
            return None
        return pattern.score


# ---------------------------------------------------------------------------------------------------
# Disclosure recognizers: the family's own SEND case
# ---------------------------------------------------------------------------------------------------

_CONDITION = _alt([
    "autism", "autistic", "asd", "asc", r"aspergers?", r"asperger's", "adhd", "dyslexia", "dyslexic",
    "dyspraxia", "dyspraxic", "dyscalculia", r"down'?s?\s+syndrome", r"cerebral\s+palsy", "epilepsy",
    "epileptic", "seizures", r"global\s+developmental\s+delay", "gdd", r"developmental\s+delay",
    r"speech\s+(?:and|&)\s+language\s+(?:difficulties|disorder|needs|delay)", r"speech\s+delay",
    r"learning\s+difficult(?:y|ies)", r"learning\s+disabilit(?:y|ies)", "mld", "sld", "pmld",
    r"non[- ]?verbal", r"pre[- ]?verbal", "pda", r"pathological\s+demand\s+avoidance",
    r"sensory\s+processing(?:\s+disorder)?", r"sensory\s+(?:needs|issues|difficulties)", "spd",
    "anxiety", "anxious", r"selective\s+mutism", "mutism", "deaf", r"hearing\s+impair(?:ed|ment)",
    r"visually\s+impaired", r"visual\s+impairment", "blind", r"tourette'?s", "tics", "ocd", "fasd",
    r"mental\s+health", "depression", "depressed", "diabetes", "diabetic", "hypermobility",
    r"ehlers[- ]danlos", r"chronic\s+(?:illness|fatigue|pain)", "wheelchair", r"special\s+needs",
    r"additional\s+needs", r"complex\s+needs", r"high\s+needs", r"medical\s+needs", r"send\s+needs",
    r"sen\b", r"send\b(?!\s+(?:him|her|them|it|a|an|the|me|us|my|you|home|in|out|off|back))",
    "disabilit(?:y|ies)", "disabled", "dysphasia", "apraxia", r"spina\s+bifida", r"muscular\s+dystrophy",
    "hydrocephalus", r"attachment\s+disorder", "trauma", "ptsd", r"eating\s+disorder", "arfid",
    "meltdowns?", "shutdowns?", "stimming", r"\bslcn", "ebsa", r"hearing\s+aids?", "cochlear",
    r"tube[- ]fed", r"peg[- ]fed", "nappies", "toileting",
])
_PROCESS = _alt([
    "ehcp", r"ehc\s?plan", r"ehc\s?p", r"education,?\s+health\s+(?:and|&)\s+care\s+plan", "statement",
    r"annual\s+review", "tribunal", "sendist", "appeal(?:ed|ing)?", "mediation",
    "excluded", "excluding", "exclusions?", "expelled", r"perm(?:anent(?:ly)?)?\s+excluded", "suspended",
    "suspensions?", r"fixed[- ]term", r"internal\s+exclusion", "isolation", r"sent\s+home",
    r"reduced\s+timetable", r"part[- ]time\s+timetable", r"reduced\s+hours", r"half\s+days",
    r"out\s+of\s+(?:school|education|college)",
    r"(?:not|hasn'?t|haven'?t|hasnt|havent|isn'?t|isnt|wasn'?t|doesn'?t|doesnt|didn'?t|never)\s+(?:been\s+|gone\s+|going\s+|attended\s+|attending\s+|go\s+|went\s+)?"
    r"(?:in(?:to)?|at|to)?\s*(?:school|college|nursery)\s+(?:since|for|in)\b",
    r"(?:not|hasn'?t|haven'?t|hasnt|havent|isn'?t|isnt|wasn'?t|doesn'?t|doesnt|didn'?t|never)\s+(?:been\s+)?(?:in|at|to|attended|attending)\s+(?:school|college)",
    r"missing\s+(?:education|school)", r"no\s+school\s+place", r"without\s+a\s+(?:school\s+)?place",
    r"school\s+refus(?:al|er|ing)", r"refuses\s+to\s+go\s+to\s+school", r"won'?t\s+go\s+(?:in)?to\s+school",
    r"home\s+school(?:ed|ing)?", r"home[- ]?educat(?:ed|ing|ion)", r"elective\s+home\s+education", r"off[- ]roll(?:ed|ing)",
    r"managed\s+move", "placement", r"special(?:ist)?\s+(?:school|provision|placement|unit)",
    r"resource\s+base", r"alternative\s+provision", "pru", r"section\s+[a-k]\b", r"named\s+school",
    r"(?:school\s+)?transport", "taxi", r"travel\s+(?:assistance|training)", "escort",
    r"1[:\-]1", r"one[- ]to[- ]one", r"sen\s+support", "iep", r"one\s+page\s+profile", r"(?:sent|sending|send|sends)\s+(?:me|him|her|them)\s+home",
    r"ehc\s?(?:na|needs\s+assessment)", r"needs\s+assessment", r"(?:autism|asd|adhd|ehc|camhs)\s+assessment",
    "assessment", r"refused\s+to\s+assess", r"refus\w*\s+(?:to\s+)?(?:an?\s+)?(?:ehc\s+)?(?:needs\s+)?assess\w*",
    r"decision\s+not\s+to\s+assess", r"draft\s+plan", r"final\s+plan", r"amended\s+plan", r"(?:his|her|their)\s+plan",
    "diagnos(?:is|ed|es)", r"waiting\s+list", "referral", "referred", "camhs", "paediatrician", "pediatrician",
    r"ed(?:ucational)?\s+psych(?:ologist)?", r"speech\s+(?:and\s+language\s+)?therap(?:y|ist)", r"\bsalt\b",
    r"occupational\s+therap(?:y|ist)", "physio(?:therapy)?", "medication", "meds", "melatonin",
    "methylphenidate", "ritalin", "elvanse", "concerta", "dla", r"blue\s+badge",
    r"formal\s+complaint", "complaint", r"(?:can'?t|cannot|not\s+allowed\s+to|banned\s+from|excluded\s+from)\s+"
    r"(?:go(?:ing)?\s+on|attend(?:ing)?)\s+(?:the\s+|a\s+|any\s+)?(?:school\s+)?(?:trips?|residential|visit)",
])
_CASE_TERM = re.compile(r"\b(?:" + _CONDITION + r"|" + _PROCESS + r")(?![\w-])", re.I)
# A case word immediately followed by these is about an event, not a case: "EHCP workshop".
_EVENT_AFTER = re.compile(r"\s*(?:-\s*)?(?:awareness|workshops?|training|courses?|sessions?|events?|webinars?|"
                          r"coffee\s+mornings?|drop[- ]ins?|talks?|groups?|friendly|information|info|leaflets?|"
                          r"guides?|process|processes|policy|policies|services?|teams?|law|code|"
                          r"officers?|co-?ordinators?|panels?|hub|month|week|day)\b", re.I)
# In questions, a case word right after these is hypothetical: "can I apply for an EHCP for my son?"
_HYPOTHETICAL_BEFORE = re.compile(
    r"\b(?:if|whether|get|getting|apply(?:ing)?\s+for|request(?:ing)?|ask(?:ing)?\s+for|qualify(?:ing)?\s+for|"
    r"eligible\s+for|entitled\s+to|need(?:s|ing)?|want(?:s|ing)?|about|regarding|re|what(?:'s|\s+is|\s+are)?|"
    r"how|any|start|begin|an?\s+possible|possible|suspected|potential)\s+(?:an?\s+|the\s+)?(?:\w+\s+)?$", re.I)
# In questions the family reference and the case word must be linked: "my son has/is/with...", or
# the reference is possessive and the case word follows within three words ("my son's EHCP").
_QUESTION_LINK = re.compile(r"\b(?:has|have|had|is|was|are|were|got|been|being|with|who|'s|keeps|kept|diagnosed|currently|still|on)\b", re.I)
_SHORT_GAP = re.compile(r"^\s*(?:[\w-]+\s+){0,3}$")


def _linked_in_question(ref: str, gap: str) -> bool:
    if _QUESTION_LINK.search(gap):
        return True
    return ref.lower().endswith(("'s", "s'", "s")) and _SHORT_GAP.match(gap) is not None
_QUESTION_START = re.compile(r"\W*(?:can|could|how|what|is|are|does|do|should|would|will|where|when|who|which|why|am|has|have)\b", re.I)
# Case words that are actions done TO the child, so may come before the reference: "excluded my son".
_ACTION_BEFORE_REF = re.compile(
    r"\b(?:exclud(?:ed|ing|e)|suspend(?:ed|ing)?|expell?(?:ed|ing)?|off[- ]roll(?:ed|ing)?|refused\s+to\s+assess|"
    r"diagnosed|restrain(?:ed|ing)|isolat(?:ed|ing)|sent\s+home|put)\b", re.I)
_TERM_BEFORE_REF_GAP = re.compile(r"^\s*(?:\w+\s+){0,2}$")
_GAP_BACKWARDS = re.compile(r"(?:\s+\w+){0,2}\s*")  # the same, read on the reversed text
# How far back a "word, word, end" look-behind pattern (``(?:\w+\s+){0,2}$``) is searched: two words
# of up to 50 letters and a keyword. A bounded window keeps one look-up per match from rescanning
# everything before it.
_WORDS_REACH = 120
_PRONOUN_OPEN = re.compile(r"\W*(?:\w+\W+){0,3}?(?:he|she|they|his|her|their|him|hes|shes)\b", re.I)

_FAMILY_REFS = (
    re.compile(_FAMILY_REF, re.I),
    # "I have a son with...", "we've got two boys", "I'm a mum of 3", "mum to a 7 year old"
    _rx(r"\b(?:i|we)\s+(?:have|'ve\s+got|have\s+got|'ve|also\s+have|got)\s+(?:a|an|one|two|three|four|five|\d)\s+" + _KID_MOD + _KID + r"\b"),
    _rx(r"(?:^|[,;:(\-]\s*|\b(?:i'?m|i\s+am|im|as)\s+(?:a\s+)?(?:\w+\s+)?)(?:mum|mom|mam|mother|dad|father|parent|carer|grandparent|nan|gran|grandma|guardian)\s+"
        r"(?:of|to|for)\s+(?:(?:a|an|one|two|three|four|five|six|\d)\b(?:\s+" + _KID_MOD + _KID + r"\b)?|(?:my\s+)?" + _KID_MOD + _KID + r"\b)"),
)
# The writer's own case: "I have ADHD", "I'm autistic", "I was excluded", "our annual review", "my EHCP".
# (Only case words that describe a person, so "I have a complaint" or "I'm anxious about" do not count.)
_SELF_TERM = _alt([
    "autism", "autistic", "asd", "asc", r"aspergers?", "adhd", "dyslexia", "dyslexic", "dyspraxia", "dyspraxic",
    "dyscalculia", r"down'?s?\s+syndrome", r"cerebral\s+palsy", "epilepsy", "epileptic", r"learning\s+difficult(?:y|ies)",
    r"learning\s+disabilit(?:y|ies)", "pda", r"sensory\s+processing(?:\s+disorder)?", r"selective\s+mutism", "deaf",
    r"hearing\s+impaired", r"visually\s+impaired", "blind", r"tourette'?s", "ocd", r"special\s+needs", r"additional\s+needs",
    "sen", "send", "ehcp", r"ehc\s?plan", r"an\s+ehc\s?p", "statement", r"annual\s+review", "excluded", r"perm(?:anently)?\s+excluded",
    "expelled", "suspended", r"(?:a|on\s+a)\s+reduced\s+timetable", r"(?:a|on\s+a)\s+part[- ]time\s+timetable",
    r"out\s+of\s+(?:school|education|college)", r"home\s+educated", r"home\s+schooled", "diagnosed",
])
_WE_TERM = _alt([
    "ehcp", r"ehc\s?plan", r"ehc\s?p", r"final\s+plan", r"draft\s+plan", r"amended\s+plan", r"annual\s+review", "tribunal",
    "appeal", "mediation", r"ehc\s?(?:na|needs\s+assessment)", r"needs\s+assessment", r"section\s+[a-k]", "diagnosis",
])
_SELF_CASE = (
    _rx(r"\bi(?:'m|\s+am|'ve|\s+have|\s+was|\s+got|\s+get|\s+had|\s+also\s+have|\s+have\s+got|'ve\s+got|m)\s+"
        r"(?:\d{1,2}\s*(?:and\s+|&\s+|,\s*)?)?(?:(?:been|also|recently|just|now|currently|got|with|an?|on|severe|mild|high|functioning|"
        r"getting|being|under|the|still|really|quite|very)\s+){0,4}" + _SELF_TERM + r"(?![\w-])"),
    _rx(r"\b(?:my|our)\s+(?:(?:own|new|current|latest|last|next|first|recent|upcoming|final|draft|amended|son'?s|daughter'?s|child'?s|kids'?)\s+)?"
        r"(?:" + _alt(["ehcp", r"ehc\s?plan", r"annual\s+review", "tribunal", "appeal", r"draft\s+plan", r"amended\s+plan",
                       r"final\s+plan", "diagnosis", "autism", "adhd", "dyslexia", "dyspraxia", "exclusion", "suspension",
                       r"reduced\s+timetable", "placement", r"ehc\s?(?:na|needs\s+assessment)", r"needs\s+assessment",
                       "mediation", "statement"]) + r")\b"),
    # "our request for an EHC needs assessment", "my appeal against the decision not to assess"
    _rx(r"\b(?:my|our)\s+(?:request|application|appeal|case|complaint|claim)\s+(?:for|to|against|about|with|at)\s+(?:(?:an?|the|his|her)\s+)?"
        r"(?:\w+\s+){0,2}?(?:" + _WE_TERM + r"|assessment|placement|transport|decision)\b"),
    # "we got the final plan", "we're going to tribunal", "we've been waiting 30 weeks for the draft plan"
    _rx(r"\bwe(?:'ve|'re|'d|\s+have|\s+are|\s+got|\s+had|\s+were|\s+did)?(?:\s+(?:been|got|had|received|finally|still|just|recently|now|"
        r"applied\s+for|requested|asked\s+for|waiting(?:\s+\w+\s+weeks)?\s+(?:for|on)|going\s+to|appealing|appealed|won|lost|went\s+to|have|"
        r"the|an?|our|his|her|their|first|new|to|at|for|in\s+the\s+middle\s+of)){1,5}\s+" + _WE_TERM + r"\b"),
)
# "He has an EHCP", "she's autistic", "he was excluded": a pronoun subject stated as fact (lower score; the
# family reference is implicit). Not after "if/when" and not in questions.
_PRONOUN_CASE = _rx(
    r"\b(?:he|she)(?:'s|\s+has|\s+is|\s+was|\s+got|\s+gets|\s+had|\s+has\s+got|\s+has\s+been|\s+keeps\s+getting)\s+"
    r"(?:(?:been|got|also|just|now|currently|recently|still|already|finally|diagnosed|with|an?|on|severe|mild|high|functioning|"
    r"really|quite|very|being|under|permanently|the)\s+){0,4}(?:" + _SELF_TERM + r"|" + _WE_TERM + r"|out\s+of\s+(?:school|education|college)|"
    r"on\s+a\s+(?:reduced|part[- ]time)\s+timetable)(?![\w-])")
_IF_BEFORE = re.compile(r"\b(?:if|whether|unless|suppose|supposing)\s+(?:\w+\s+)?$", re.I)
_CONDITIONAL_BEFORE = re.compile(r"\b(?:if|when|whether|unless|once|until|suppose|say)\s+(?:\w+\s+){0,2}$", re.I)


class FamilySendDetailRecognizer(Recognizer):
    """Details of the writer's own family's (or a named third party's) SEND case: a diagnosis or
    condition, or the EHCP / annual review / tribunal / exclusion / timetable / placement / transport
    / assessment of "my son", "our little one", "my friend's daughter", a named child, or the writer
    themself ("I have ADHD and my college won't...").

    A family reference and a case word must be linked: in the same sentence, or in the next sentence
    whose subject is a pronoun ("My son is 9. He has an EHCP"). In questions the link must be explicit
    ("my son has/is/with...", "my son's EHCP") and hypothetical case words ("can I apply for an EHCP for
    my son?") do not count. Generic questions ("do you help with autism?", "what is an EHCP?") have no
    family reference and never fire. The evidence spans the reference through the (last) case word.
    """

    type = "family_send_detail"
    max_gap = 150  # characters between the reference and the case word

    def _terms(self, text: str, sents: list[tuple[int, int]]) -> list[tuple[int, int, int, bool]]:
        """(start, end, sentence index, hypothetical?) of every case word, minus event mentions."""
        out = []
        for m in _CASE_TERM.finditer(text):
            if _EVENT_AFTER.match(text, m.end()):
                continue
            si = _sentence_index(sents, m.start())
            before = text[max(sents[si][0], m.start() - 40): m.start()]
            out.append((m.start(), m.end(), si, _HYPOTHETICAL_BEFORE.search(before) is not None))
        return out

    @staticmethod
    def _is_question(text: str, span: tuple[int, int]) -> bool:
        sentence = text[span[0]: span[1]].strip()
        return sentence.endswith("?") or _QUESTION_START.match(sentence) is not None

    def find(self, text: str) -> Iterator[Detection]:
        # Every per-match question below (is the sentence a question? what follows a pronoun? which case
        # word is nearest?) is answered once per sentence or by a binary search, never by rescanning
        # the text per match: the cost stays linear in the length of the text.
        norm = _norm(text)
        # The writer's own case needs no family reference.
        for rx in _SELF_CASE:
            for m in rx.finditer(norm):
                if not _EVENT_AFTER.match(norm, m.end()):
                    yield self.detection(text, m.start(), m.end(), 0.75)
        sents = _sentences(norm)
        asked_at: dict[int, bool] = {}  # sentence index -> opens like a question (_QUESTION_START)
        ends_q: dict[int, bool] = {}  # sentence index -> ends with "?"
        last_punct: dict[int, int] = {}  # sentence index -> last "," ";" or ":" in it (-1: none)
        for m in _PRONOUN_CASE.finditer(norm):
            si = _sentence_index(sents, m.start())
            ss, se = sents[si]
            if si not in asked_at:
                asked_at[si] = _QUESTION_START.match(norm, ss) is not None
                ends_q[si] = norm[ss:se].rstrip().endswith("?")
                last_punct[si] = max(norm.rfind(c, ss, se) for c in ",;:")
            # "Does he have an EHCP?" is a question; "he was excluded, what are my rights?" states a fact first.
            asked = asked_at[si] or (ends_q[si] and not last_punct[si] >= m.end())
            if asked or _EVENT_AFTER.match(norm, m.end()):
                continue
            if _CONDITIONAL_BEFORE.search(norm, max(ss, m.start() - _WORDS_REACH), m.start()):
                continue
            yield self.detection(text, m.start(), m.end(), 0.6)
        refs = []
        for rx in _FAMILY_REFS:
            for m in rx.finditer(norm):
                start = m.start()
                while start < m.end() and norm[start] in ",;:(- \t":
                    start += 1  # the punctuation that opened "..., dad to a 9 yr old" is not evidence
                refs.append((start, m.end()))
        refs += [(d.start, d.end) for d in _CHILD_NAME.find(text) if d.score >= 0.6]
        if not refs:
            return
        terms = self._terms(norm, sents)
        if not terms:
            return
        # Case words per sentence, in text order (their starts and ends both increase: no overlaps).
        in_sentence: dict[int, list[tuple[int, int, bool]]] = {}
        for ts, te, tsi, hyp in terms:
            in_sentence.setdefault(tsi, []).append((ts, te, hyp))
        starts = {si: [t[0] for t in ts_] for si, ts_ in in_sentence.items()}
        ends = {si: [t[1] for t in ts_] for si, ts_ in in_sentence.items()}
        last_fact = {}
        for ts, te, tsi, hyp in terms:
            if not hyp:
                last_fact[tsi] = (ts, te)
        question_of: dict[int, bool] = {}
        lead_of: dict[int, re.Match | None] = {}
        rev: str | None = None  # the text reversed, to read the words just before a reference
        for rs, re_ in sorted(set(refs)):
            si = _sentence_index(sents, rs)
            if _IF_BEFORE.search(norm, max(sents[si][0], rs - 30), rs):
                continue  # "how do I know if my child has dyslexia?" is hypothetical
            if si not in question_of:
                question_of[si] = self._is_question(norm, sents[si])
            question = question_of[si]
            here = in_sentence.get(si, ())
            # The last case word starting within max_gap characters after the reference.
            lo = bisect_left(starts[si], re_) if here else 0
            hi = bisect_right(starts[si], re_ + self.max_gap) if here else 0
            last = None
            for ts, te, hypothetical in reversed(here[lo:hi]):
                if question and (hypothetical or not _linked_in_question(norm[rs:re_], norm[re_:ts])):
                    continue
                last = te
                break
            if last is not None:
                yield self.detection(text, rs, last, 0.8 if not question else 0.7)
                continue
            # An action done to the child just before the reference: "they have excluded my son". The
            # gap may hold at most two words, so only the nearest case words before it can qualify.
            if here:
                k = bisect_right(ends[si], rs) - 1
                found = None
                while k >= 0:
                    ts, te, _ = here[k]
                    if rev is None:
                        rev = norm[::-1]
                    if not self._short_gap(rev, len(norm), te, rs):
                        break  # a longer gap only grows: no earlier case word can qualify either
                    if _ACTION_BEFORE_REF.match(norm, ts):
                        found = ts
                        break
                    k -= 1
                if found is not None:
                    yield self.detection(text, found, re_, 0.75)
                    continue
            # The next sentence, led by a pronoun: "My son is 9. He has been excluded twice."
            if si + 1 < len(sents):
                ns, ne = sents[si + 1]
                if si + 1 not in lead_of:
                    lead_of[si + 1] = _PRONOUN_OPEN.match(norm, ns)
                lead = lead_of[si + 1]
                nxt = last_fact.get(si + 1)  # the last case word of that sentence that is not hypothetical
                if lead and nxt and nxt[0] >= lead.end() - 5:
                    yield self.detection(text, rs, nxt[1], 0.7)

    @staticmethod
    def _short_gap(rev: str, n: int, start: int, end: int) -> bool:
        """``text[start:end]`` is whitespace with at most two words, each followed by whitespace
        (``_TERM_BEFORE_REF_GAP``), read backwards from ``end`` so that the cost is the few words
        looked at, not the length of the gap; ``rev`` is the text reversed, ``n`` its length.
        ``start`` ends a case word, so it never falls inside a word."""
        m = _GAP_BACKWARDS.match(rev, n - end)
        return m.end() - (n - end) >= end - start


# ---------------------------------------------------------------------------------------------------
# Disclosure recognizers: family circumstances
# ---------------------------------------------------------------------------------------------------

_PARTNER = r"(?:partner|husband|hubby|wife|boyfriend|girlfriend|bf|gf|fiance|fiancee|other\s+half|ex|ex[- ]?(?:partner|husband|wife|hubby|boyfriend|girlfriend))"
_ILLNESS = _alt([
    "cancer", r"terminal\s+(?:cancer|illness)", r"chemo(?:therapy)?", r"multiple\s+sclerosis", "stroke", r"terminal(?:ly\s+ill)?",
    "disabled", r"a\s+disability", r"mental\s+health\s+(?:problems|issues|difficulties|crisis)",
    "depression", r"(?:a\s+)?breakdown", r"in\s+hospital", "surgery", r"an\s+operation", "dialysis",
    r"long\s+covid", "fibromyalgia", r"chronic\s+(?:illness|pain|fatigue)", "bipolar", "ptsd",
    r"heart\s+(?:attack|failure|condition)", "lupus", r"crohn'?s", r"parkinson'?s", r"motor\s+neurone",
    r"seriously\s+ill", r"really\s+ill", r"very\s+ill", "ill", r"in\s+a\s+wheelchair", "sectioned", "dementia",
    r"alzheimer'?s", r"motor\s+neurone\s+disease", r"kidney\s+failure", "paralysed",
])


_ILLNESS_NEEDS = ("cancer", "chemo", "sclerosis", "stroke", "terminal", "disab", "mental health", "depression", "breakdown",
                  "hospital", "surgery", "operation", "dialysis", "covid", "fibromyalgia", "chronic", "bipolar", "ptsd", "heart",
                  "lupus", "crohn", "parkinson", "motor neurone", "ill", "wheelchair", "sectioned", "dementia", "alzheimer",
                  "kidney", "paralysed")


class FamilyCircumstancesRecognizer(Recognizer):
    """The writer's concrete family situation: separation/custody disputes, a young carer, a parent's
    own illness, bereavement, eviction/homelessness, a child in care or foster care, social services."""

    type = "family_circumstances"
    patterns = _lexicon(
        # separation, custody, contact
        ("ex_partner", r"\bmy\s+ex(?:[- ]?(?:partner|husband|wife|hubby|boyfriend|girlfriend|h|w|p))?\b(?!\s*-?\s*(?:pupil|student|teacher|school|colleague)s?\b)", 0.8, ('ex',)),
        ("other_parent_blocks", r"\b(?:his|her|their|the\s+kids'?|the\s+children'?s)\s+(?:mum|mam|mom|dad|father|mother)\s+"
                                r"(?:won'?t|will\s+not|wont|doesn'?t|does\s+not|refuses|refused|isn'?t\s+letting|has\s+stopped|stopped|keeps|"
                                r"hasn'?t|never|took|has\s+taken|has\s+custody|lives\s+(?:in|with)|left|walked\s+out|isn'?t\s+(?:around|involved|in\s+the\s+picture))\b"
                                r"(?:\s+(?:let|letting|allow|allowing|tell|telling)\s+(?:me|us|him|her|them)(?:\s+(?:go|see|attend|come|know|have))?)?", 0.75, ('mum', 'mam', 'mom', 'dad', 'father', 'mother')),
        ("divorce", r"\b(?:going\s+through|in\s+the\s+middle\s+of|getting|got|we'?re|we\s+are|i'?m|i\s+am|recently|newly|just)\s+(?:a\s+)?"
                    r"(?:divorced?|separat(?:ed|ing|ion)|split(?:ting)?\s+up|custody\s+(?:battle|dispute|case))\b", 0.8, ('divorce', 'separat', 'split', 'custody')),
        ("custody", r"\b(?:custody\s+(?:battle|dispute|case|hearing)|child\s+arrangements?\s+order|contact\s+(?:order|dispute|centre)|"
                    r"family\s+court|residency\s+order|shared\s+care|prohibited\s+steps|parental\s+responsibility\s+(?:dispute|order))\b", 0.75, ('custody', 'arrangement', 'contact', 'court', 'residency', 'shared', 'prohibited', 'parental')),
        ("partner_left", r"\b(?:my|our|the\s+kids'?|his|her)\s+(?:" + _PARTNER + r"|dad|father|mum|mother)\s+(?:has\s+|just\s+|recently\s+)?(?:left\s+(?:us|me|home)|walked\s+out|moved\s+out|"
                         r"abandoned\s+us|isn'?t\s+on\s+the\s+scene|is\s+in\s+prison|went\s+to\s+prison)\b|\bi'?m\s+on\s+my\s+own\s+with\s+(?:the|my|\d|two|three|four)\b", 0.75,
         ("left", "walked", "moved", "abandoned", "scene", "prison", "own with")),
        ("single_parent", r"\b(?:i'?m|i\s+am|im|as)\s+(?:a\s+)?(?:single|lone)\s+(?:mum|mom|mam|dad|parent|father|mother)\b", 0.6, ('single', 'lone')),
        # young carer
        ("young_carer", r"\b(?:i'?m|i\s+am|im|i'?ve\s+been|i\s+have\s+been|being|as)\s+(?:a\s+)?young\s+carer\b|\bi\s+(?:look\s+after|care\s+for)\s+my\s+(?:mum|mam|mom|dad|brother|sister|nan|gran)\b", 0.8, ('carer', 'look', 'care')),
        # the parent's own (or partner's) illness
        ("own_illness", r"\b(?:i|i'?ve|i\s+have|i'?m|i\s+am|im|i\s+was|i'?ve\s+been|i\s+have\s+been|i\s+got)\s+(?:(?:got|also|recently|just|now|currently|been|"
                        r"diagnosed|with|have|suffering|suffer|from|off\s+work|undergoing|having|going\s+through|on|started|seriously|very|really)\s+){0,4}" + _ILLNESS + r"\b", 0.7, _ILLNESS_NEEDS),
        ("family_illness", r"\bmy\s+(?:" + _PARTNER + r"|mum|mam|mom|dad|mother|father)\s+(?:has|had|is|was|'s|has\s+got|got|has\s+been|was\s+just|is\s+now)\s+"
                           r"(?:(?:been|just|recently|now|diagnosed|with|got|terminally|seriously|very|really|in)\s+){0,3}" + _ILLNESS + r"\b", 0.7, _ILLNESS_NEEDS),
        # bereavement
        ("bereavement", r"\b(?:my|our|his|her|their)\s+(?:\w+\s+)?(?:mum|mam|mom|dad|husband|wife|partner|nan|nanna|grandad|granddad|grandma|grandpa|"
                        r"brother|sister|son|daughter|baby|father|mother|uncle|auntie|aunt|friend)\s+(?:sadly\s+|suddenly\s+|recently\s+|has\s+|had\s+)?"
                        r"(?:passed\s+away|passed\s+on|died|was\s+killed|passed(?=\s*(?:[.,!;]|$|\s+(?:last|recently|suddenly|when|in\s+(?:19|20)\d\d))))", 0.85, ('pass', 'died', 'killed')),
        ("lost_someone", r"\b(?:lost|losing)\s+(?:my|our|his|her|their)\s+(?:\w+\s+)?(?:mum|mam|mom|dad|husband|wife|partner|nan|grandad|granddad|grandma|"
                         r"brother|sister|son|daughter|baby|father|mother)\b(?!'s|s'|\s+(?:phone|keys|bag|coat|letter|paperwork|number|email|job|temper|in\s+(?:the|a)\s+(?:shop|supermarket|park|crowd)))", 0.75, ('lost', 'losing')),
        ("bereaved", r"\b(?:bereave(?:d|ment)|widow(?:ed|er)?|since\s+(?:his|her|their|my)\s+(?:mum|dad|mam|mom)\s+died|"
                     r"(?:my|our|his|her)\s+(?:[\w']+\s+)?funeral)\b", 0.7, ('bereave', 'widow', 'died', 'funeral')),
        # eviction, homelessness, refuge
        ("homeless", r"\b(?:we|i)(?:'re|\s+are|'ve\s+been|\s+have\s+been|\s+were|\s+was|'m|\s+am|\s+got|\s+have|'ve)?\s+(?:just\s+|now\s+|currently\s+|being\s+|getting\s+|been\s+)*"
                     r"(?:evicted|made\s+homeless|homeless|sofa\s+surfing|in\s+(?:temporary|emergency)\s+accommodation|in\s+a\s+hostel|in\s+a\s+b\s?&\s?b|"
                     r"in\s+a\s+refuge|living\s+in\s+(?:a\s+)?(?:hostel|refuge|one\s+room|temporary\s+accommodation)|(?:an\s+)?eviction\s+notice|"
                     r"a\s+section\s+21|served\s+notice)\b", 0.8, ('evict', 'homeless', 'sofa', 'accommodation', 'hostel', 'b&b', 'b & b', 'refuge', 'one room', 'section', 'notice')),
        ("eviction", r"\b(?:eviction\s+notice|section\s+21\s+notice|being\s+evicted|facing\s+eviction|bailiffs)\b", 0.7, ('evict', 'section', 'bailiff')),
        # children in care, fostering, social services
        ("in_care", r"\b(?:my|our)\s+" + _KID_MOD + _KID + r"\s+(?:is|are|was|were|has\s+been|have\s+been|got)\s+(?:now\s+|been\s+)?(?:taken\s+)?"
                    r"(?:into\s+care|in\s+care|in\s+foster\s+care|placed\s+with\s+(?:foster\s+carers|(?:a\s+)?foster|(?:his|her|their)\s+(?:nan|nanna|gran|grandma|grandad|dad|mum|aunt|auntie|uncle|grandparents)|relatives)|"
                    r"removed\s+from\s+(?:me|us|my\s+care|our\s+care|home|the\s+family)|looked\s+after\s+by\s+the\s+(?:council|local\s+authority)|under\s+a\s+care\s+order|on\s+a\s+care\s+order)\b", 0.85, ('care', 'foster', 'placed', 'removed', 'looked')),
        ("kids_in_care", r"\b(?:the|my|our)\s+(?:kids|children|boys|girls|little\s+ones)\s+(?:are|were|have\s+been)\s+(?:now\s+)?(?:in|taken\s+into|put\s+into|placed\s+in)\s+(?:foster\s+)?care\b", 0.8, ("care",)),
        ("took_kids", r"\bsocial\s+services\s+(?:took|have\s+taken|removed|are\s+taking)\s+(?:my|our)\b", 0.85, ('social',)),
        ("foster_carer", r"\b(?:i'?m|i\s+am|im|we'?re|we\s+are)\s+(?:his|her|their|a|an)?\s*(?:foster\s+(?:carers?|parents?|mum|dad)|kinship\s+carers?|special\s+guardians?|adoptive\s+(?:parents?|mum|dad))\b", 0.75, ('foster', 'kinship', 'guardian', 'adoptive')),
        ("care_experienced", r"\b(?:i'?m|i\s+am|im|i\s+was|i'?ve\s+been)\s+(?:a\s+)?(?:in\s+care|care\s+leaver|care\s+experienced|looked\s+after|in\s+foster\s+care)\b|\bmy\s+foster\s+(?:mum|dad|carers?|parents?|family)\b", 0.8, ('care', 'looked', 'foster')),
        ("social_services", r"\b(?:our|my|his|her|their|the\s+kids'?)\s+social\s+worker\b|\bsocial\s+services\s+(?:are|have\s+been|got|were|is)\s+involved\b|"
                            r"\b(?:on|under)\s+a\s+(?:child\s+protection|cp|child\s+in\s+need|cin)\s+plan\b|\bspecial\s+guardianship\s+order\b", 0.75, ('social', 'plan', 'guardianship')),
    )


# ---------------------------------------------------------------------------------------------------
# Risk recognizers (safeguarding). Recall matters most; each lexicon avoids the obvious false alarms.
# ---------------------------------------------------------------------------------------------------

_REFLEXIVE = r"(?:myself|himself|herself|themselves|themself|ourselves)"   # never "yourself"
_CHILD_OBJ = (r"(?:him|her|them|(?:my|our|his|her|their|the|those|these|some)\s+"
              r"(?:(?:little|eldest|youngest|younger|autistic|disabled|sen|send|special\s+needs|vulnerable|non-?verbal|small|young|"
              r"\d{1,2}\s*(?:yr|year)s?\s*old)\s+){0,2}"
              r"(?:son|daughter|child|children|kids?|boy|girl|baby|lo|grandson|granddaughter|pupil|student)s?)")

# Helpers for the risk recognizers that weigh a second cue near the match (co-occurrence).
_WINDOW = 140


def _near(rx: re.Pattern, text: str, m: re.Match, before: int = _WINDOW, after: int = _WINDOW) -> bool:
    """True if ``rx`` matches in ``text`` within ``before``/``after`` characters of match ``m``."""
    return rx.search(text, max(0, m.start() - before), min(len(text), m.end() + after)) is not None


# An adult outside the family who may pose a risk: the subject of grooming/loitering reports.
_UNKNOWN_ADULT = re.compile(r"\b(?:man|men|bloke|blokes|guy|guys|fella|fellas?|stranger|strangers|someone|somebody|adult|adults|"
                            r"woman|women|lady|van|older|grown|paedo\w*|pedo\w*|predator\w*)\b", re.I)
# Online or secret contact: the setting of grooming.
_ONLINE_CONTACT = re.compile(r"\b(?:online|internet|snap(?:chat)?|insta(?:gram)?|tiktok|discord|whatsapp|messag\w*|dms?|texts?|texting|"
                             r"chat(?:s|ting)?|game|gaming|xbox|playstation|roblox|fortnite|met\s+(?:him|her|them)|meet(?:ing)?\s+up|secret\w*|"
                             r"gifts?|presents?|money|pics|photos|girlfriend|boyfriend|picks?\s+(?:him|her)\s+up|picking\s+(?:him|her)\s+up)\b", re.I)


# ``needs`` prefilters: the verb stems of the hitting/attacking lexicons
_HIT_NEEDS = ("hit", "slap", "punch", "kick", "beat", "smack", "shov", "grab", "pinch", "shak", "shook", "strangl", "chok",
              "throttl", "yank", "manhandl", "assault", "abus", "hurt", "bit", "scratch", "batter", "thump", "whack", "belt",
              "strike", "struck")
_DV_NEEDS = ("hit", "beat", "punch", "kick", "slap", "chok", "strangl", "threaten", "hurt", "attack", "assault", "push", "shov",
             "throw", "threw", "rap", "abus", "grab", "strike", "struck", "batter")


# Weak farewell cues: each alone is ordinary ("I've written the letters to the council"), two together
# ("just wanted to say goodbye to anyone who was kind ... I've written the letters") are a warning sign.
_FAREWELL_WEAK = (r"\b(?:say(?:ing)?|said)\s+(?:my\s+)?(?:goodbyes?|bye|farewell)\s+to\s+(?:everyone|everybody|anyone|anybody|all\s+of\s+you|you\s+all|y'?all|whoever|every1)\b|"
                  r"\b(?:written|wrote|writing|write|left|leaving)\s+(?:the|my|all\s+(?:the|my)|some)\s+(?:letters|notes)\b(?!\s+(?:to|for|about|of|asking|and\s+sent|off|from|at)\b)|"
                  r"\b(?:to\s+)?(?:anyone|everyone|all\s+of\s+you|those)\s+who\s+(?:was|were|has\s+been|have\s+been|ever\s+was)\s+kind\b|"
                  r"\bsorry\s+for\s+everything\b|\btell\s+(?:my|them|him|her)\s+(?:\w+\s+)?(?:that\s+)?i\s+love(?:d)?\s+(?:them|him|her)\b|"
                  r"\blook\s+after\s+(?:my|him|her)\s+(?:\w+\s+)?for\s+me\b|\bwon'?t\s+(?:be\s+)?need(?:ing)?\s+(?:this|it|your\s+help|any\s+help)\s+any\s*more\b")
_FAREWELL_WEAK_RX = re.compile(_FAREWELL_WEAK, re.I)


@lru_cache(maxsize=8)
def _weak_farewells(text: str) -> int:
    """How many weak farewell cues ``text`` holds, counting no further than two."""
    return sum(1 for _ in islice(_FAREWELL_WEAK_RX.finditer(text), 2))


_FAREWELL_WEAK_NEEDS = ("say", "said", "letters", "notes", "kind", "sorry for", "love", "for me", "need")


# An adult of the household (or a paid carer) as named by a child or young person: "my step dad".
_HOUSEHOLD_ADULT = (r"(?:(?:step[- ]?)?(?:dad|mum|mam|mom|mother|father|parents?)|stepdad|stepmum|stepfather|stepmother|brother|sister|uncle|"
                    r"aunt(?:ie)?|nan|nana|gran|grandad|grandma|grandpa|cousin|carers?|foster\s+(?:mum|dad|carers?|parents?)|"
                    r"(?:mum|mam|mom)'?s\s+(?:boyfriend|partner|husband)|dad'?s\s+(?:girlfriend|partner|wife))")
# Where a disabled young adult is cared for by others (financial abuse and neglect by carers).
_CARE_SETTING = re.compile(r"\b(?:carers?|care\s+(?:home|staff|workers?|provider|agency|team|package)|support\s+(?:workers?|staff)|supported\s+(?:living|housing)|"
                           r"residential|placement|foster|staff|appointee|hostel|key\s*workers?|group\s+home|care\s+setting)\b", re.I)
# A risk word used as a topic, not a report: "what is county lines?", "CSE awareness training".
_TOPIC_BEFORE = re.compile(r"\b(?:what\s+(?:is|are|does)|what'?s|whats|info(?:rmation)?\s+(?:on|about)|training\s+(?:on|about)|workshops?\s+(?:on|about)|"
                           r"talks?\s+(?:on|about)|signs\s+of|awareness\s+of|learn(?:ing)?\s+about|leaflets?\s+(?:on|about)|advice\s+(?:on|about)|"
                           r"how\s+(?:do|can)\s+(?:i|we|you)\s+(?:spot|recognise|recognize|prevent|protect\s+\w+\s+from))\s+(?:[\w-]+\s+){0,2}$", re.I)
_TOPIC_AFTER = re.compile(r"\s*(?:-\s*)?(?:awareness|training|workshops?|talks?|sessions?|courses?|leaflets?|policy|policies|week|day|team|service|lead)\b", re.I)


def _is_topic(text: str, m: re.Match) -> bool:
    return _TOPIC_BEFORE.search(text[max(0, m.start() - 50): m.start()]) is not None or _TOPIC_AFTER.match(text, m.end()) is not None


# A child under 16 named in the text (for age-gap relationships).
_CHILD_UNDER_16 = re.compile(r"\b(?:(?:she|he)'?s|(?:she|he)\s+is|aged|only|just|is|turned)\s+(?:1[0-5]|[1-9])\b(?!\s*(?:%|pm|am|hours?|mins?|minutes?|days?|weeks?|months?|times?))|"
                             r"\b(?:1[0-5]|[1-9])\s*(?:-|\s)?(?:yrs?|years?|y)\s*(?:-|\s)?o(?:ld|\.)?\b|\b(?:1[0-5]|[1-9])\s*yo\b|\byear\s+(?:[5-9]|10|11)\b|"
                             r"\b(?:thirteen|fourteen|fifteen|twelve|eleven)\b", re.I)
# Online / secret settings of grooming.
_ONLINE_SETTING = re.compile(r"\b(?:online|internet|snap(?:chat)?|insta(?:gram)?|tiktok|discord|whatsapp|gaming|xbox|playstation|roblox|fortnite|secret\w*)\b", re.I)
# A professional or organisation just before an action ("the council asked for photos").
_STAFF_BEFORE = re.compile(r"\b(?:senco|teachers?|school|council|case\s?worker|officer|worker|head|headteacher|gp|doctor|la|sendiass|nurse|"
                           r"paediatrician|consultant|ot|physio|therapist|social\s+worker|social\s+services|children'?s\s+services|assessor|panel|tribunal|dwp|court|judge)\b[^.!?\n]*$", re.I)


class SelfHarmRecognizer(RiskRecognizer):
    """Suicide and self-harm, of the writer or a child: "wants to die", "kill himself", "suicidal",
    "cutting herself", "self harming", "overdose", "end it all"; also the indirect idioms of
    suicidal ideation ("sleep and not wake up", "she's going to end it tonight", "better off
    without me", "no point going on", "how many paracetamol is too many") and farewell signs
    (goodbye letters; two weak cues such as "saying goodbye to anyone who was kind" + "I've written
    the letters"). Not "kill yourself" aimed at others (abuse, not risk) and not "dying to know" /
    "killing me" idioms."""

    type = "self_harm"
    patterns = _lexicon(
        ("kill_self", r"\b(?:kill(?:s|ed|ing)?|hang(?:s|ed|ing)?|hurt(?:s|ing)?|harm(?:s|ed|ing)?|cut(?:s|ting)?|injur(?:e|es|ed|ing)|"
                      r"stab(?:s|bed|bing)?|burn(?:s|t|ed|ing)?|strangl(?:e|es|ed|ing)|scratch(?:es|ed|ing)?|bit(?:e|es|ing)?|"
                      r"punch(?:es|ed|ing)?|hit(?:s|ting)?|starv(?:e|es|ed|ing))\s+" + _REFLEXIVE + r"\b", 0.9, ('self', 'selves')),
        ("kms", r"\bkms\b", 0.7, ('kms',)),
        ("want_to_die", r"\b(?:want(?:s|ed|ing)?|wanna|wish(?:es|ed)?|ready|deserve(?:s|d)?|prefer|rather|trying|tried|tries)\s+(?:to\s+)?(?:just\s+)?"
                        r"(?:die|be\s+dead|not\s+be\s+here|not\s+exist|disappear\s+forever|not\s+wake\s+up)\b", 0.9, ('die', 'dead', 'here', 'exist', 'disappear', 'wake')),
        ("wish_dead", r"\bwish(?:es|ed)?\s+(?:i|he|she|they)\s+(?:was|were|wasn'?t|weren'?t)\s+(?:dead|never\s+born|alive|here)\b", 0.8, ('wish',)),
        ("not_alive", r"\b(?:doesn'?t|don'?t|does\s+not|do\s+not|didn'?t|did\s+not|no\s+longer|not)\s+(?:want|wanna|wish)\s+(?:to\s+)?"
                      r"(?:be\s+alive|(?:be\s+here|live|go\s+on(?:\s+living)?)(?:\s+any\s*more|\s*(?=[.!,;]|$))|go\s+on\s+living|exist|wake\s+up)", 0.85, ('alive', 'live', 'here', 'go', 'exist', 'wake')),
        ("no_reason", r"\b(?:no\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|life|being\s+alive|going\s+on)|better\s+off\s+(?:dead|without\s+(?:me|him|her))|"
                      r"(?:see|seeing|is|what'?s)\s+(?:the|any)\s+point\s+(?:in\s+|of\s+)?(?:living|life|being\s+alive|going\s+on))\b", 0.85, ('reason', 'point', 'better off')),
        ("suicide", r"\bsu[iy]?c[iy]d(?:al|e|le|el)\b(?!\s+(?:squad|prevention\s+(?:training|day|week)|awareness))", 0.8, ('suc', 'suic', 'suyc')),
        ("self_harm", r"\bself[- ]?harm(?:s|ed|ing)?\b|\bself[- ]?injur(?:y|ies|ing|ious)\b|\bsh\s+scars\b", 0.85, ('self', 'sh scars')),
        ("cut_body", r"\bcut(?:s|ting)?\s+(?:his|her|my|their)\s+(?:own\s+)?(?:arms?|wrists?|legs?|thighs?|skin|stomach|body)\b|"
                     r"\b(?:cuts|scars|marks|scratches)\s+(?:on|all\s+over|up)\s+(?:his|her|their|my)\s+(?:arms?|wrists?|legs?|thighs?|stomach)\b|"
                     r"\b(?:found|finding|hiding|hides|hid)\s+(?:razor\s+)?(?:blades|razors)\b", 0.8, ('cut', 'scar', 'mark', 'scratch', 'blade', 'razor')),
        ("overdose", r"\b(?:over\s?dos(?:e|ed|es|ing)|od'?d|took\s+(?:an?\s+)?(?:load|lot|handful|bunch|packet|box)\s+of\s+(?:pills|tablets|paracetamol)|"
                     r"swallowed\s+(?:\w+\s+){0,2}(?:pills|tablets|paracetamol))\b", 0.85, ('over', 'od', 'pills', 'tablets', 'paracetamol')),
        ("end_it", r"\b(?:end(?:s|ed|ing)?\s+it\s+all|end(?:s|ed|ing)?\s+(?:my|his|her|their)\s+(?:own\s+)?life|tak(?:e|es|ing)\s+(?:my|his|her|their)\s+own\s+life|"
                   r"took\s+(?:his|her|their)\s+own\s+life|not\s+(?:be\s+)?(?:around|here)\s+(?:much\s+)?longer)\b", 0.85, ('end', 'life', 'around', 'here')),
        ("cant_go_on", r"\b(?:can'?t|cannot|can\s+not)\s+go\s+on\b(?=\s*(?:[.!,]|$|any\s*more|living|like\s+this\s+any\s*more|with\s+life))", 0.7, ('go',)),
        ("head_banging", r"\b(?:bang(?:s|ed|ing)?|hit(?:s|ting)?)\s+(?:his|her|their)\s+head\s+(?:on|against)\s+(?:the\s+)?(?:wall|floor|door)s?\b|\bhead[- ]?bang(?:s|ing)\b", 0.6, ('head',)),
        ("jump", r"\b(?:jump|jumped|jumping)\s+(?:off|from|in\s+front\s+of)\s+(?:a|the)\s+(?:bridge|building|roof|train|car|window|balcony|multi[- ]?storey)\b", 0.8, ('jump',)),
        # Indirect idioms of suicidal ideation (Samaritans / Papyrus warning signs).
        ("no_wake", r"\b(?:sleep|bed|asleep)\s+and\s+(?:just\s+)?(?:not|never)\s+(?:wake\s+up|wake|come\s+back)\b(?!\s+(?:until|till|at|before|for|again|early|in\s+the\s+night|during)\b)|"
                    r"\b(?:hope|hoping|wish|wishing|pray|praying)\s+(?:that\s+)?i\s+(?:don'?t|won'?t|wouldn'?t|didn'?t|never|do\s+not)\s+wake\s+up\b"
                    r"(?!\s+(?:the|my|him|her|them|everyone|anyone|everybody|his|our|in\s+time|at|early|until|till|before|late)\b)|"
                    r"\b(?:want(?:s|ed)?|wanna)\s+to\s+(?:never|not)\s+wake\s+up\b", 0.85, ('wake', 'come back')),
        ("end_it_intent", r"(?:\b(?:going\s+to|gonna|goin\s+to|will|would|want(?:s|ed)?\s+to|wanna|about\s+to|plan(?:s|ned|ning)?\s+(?:to|on)|ready\s+to|"
                          r"think(?:s|ing)?\s+(?:about|of)|talk(?:s|ed|ing)?\s+about|decided\s+to|tempted\s+to|might|could\s+just)|'ll|'d)\s+(?:just\s+)?"
                          r"end(?:ing)?\s+(?:it\s+all|it|things|everything|my\s+life|(?:his|her|their)\s+life)\b"
                          r"(?!\s+(?:with|between|there|here|early|on\s+a|by\s+(?:\w+ing|the)|at\s+(?:that|the)|for\s+(?:the|you|us|him|her)|off|now\s+with)\b)|"
                          r"\bend(?:ing)?\s+(?:it\s+all|it|things|everything|my\s+life)\s+(?:tonight|today|tomorrow|this\s+(?:weekend|week|time)|soon|once\s+and\s+for\s+all)\b", 0.8, ('end',)),
        ("better_off", r"\bbetter\s+off\s+(?:gone|not\s+(?:being\s+)?(?:here|around|alive)|without\s+(?:us|me\b)|"
                       r"if\s+(?:i|he|she|we)\s+(?:was|were|wasn'?t|weren'?t)\s+(?:here|around|alive|dead|gone))|\b(?:be|are|is)\s+better\s+without\s+me\b", 0.85, ('better',)),
        ("no_point", r"\bno\s+point\s+(?:in\s+)?(?:(?:me\s+)?(?:going\s+on|being\s+(?:here|alive|around))|carrying\s+on(?!\s+with)|living|(?:in\s+)?life|"
                     r"trying\s+any\s*more(?=\s*(?:[.!,]|$)))\b", 0.8, ('point',)),
        ("not_here_any_more", r"\b(?:doesn'?t|don'?t|does\s+not|do\s+not|didn'?t|no\s+longer|not)\s+(?:want|wanna)\s+(?:to\s+)?(?:be\s+)?(?:here|around|alive|living)\s*"
                              r"(?:any\s*more|any\s+longer|no\s+more|no\s+longer)\b|\b(?:won'?t|will\s+not|not\s+going\s+to)\s+be\s+(?:here|around)\s+(?:much\s+longer|any\s*more|for\s+much\s+longer)\b", 0.85, ('want', 'wanna', 'be here', 'be around')),
        ("worth_living", r"\b(?:not|isn'?t|aint|ain'?t|no\s+longer|never)\s+worth\s+living\b|\b(?:tired|sick|weary)\s+of\s+(?:living|being\s+alive|existing|life\s+itself|waking\s+up)\b|"
                         r"\bgiv(?:e|en|ing)\s+up\s+on\s+(?:life|living)\b|"
                         r"\b(?:nobody|no\s+one|noone|no-one)\s+(?:would|will|'d|'ll|d|ll)\s+(?:even\s+)?(?:miss\s+me|notice\s+if\s+i\s+(?:was|were|died|disappeared)|"
                         r"care\s+if\s+i\s+(?:died|was\s+dead|was\s+gone|disappeared|wasn'?t\s+here))\b|"
                         r"\b(?:want|wants|wanted|wanna|need|needs)\s+(?:it\s+all|everything)\s+to\s+(?:stop|end)\b(?!\s+(?:well|happily))", 0.8,
         ('worth', 'tired', 'sick', 'weary', 'give', 'given', 'giving', 'miss me', 'notice', 'care if', 'stop', 'end')),
        ("unalive", r"\bun-?aliv(?:e|ed|ing)\b|\bsewer\s?slide\b|\bnoose\b|\bligatures?\b|\b(?:kill|hurt|harm)(?:s|ed|ing)?\s+my\s+self\b|\bsu1c1de\b", 0.85,
         ('alive', 'aliv', 'slide', 'noose', 'ligature', 'self', 'su1c1de')),
        ("lethal_dose", r"\bhow\s+many\s+(?:\w+\s+){0,2}?(?:paracetamol|pills|tablets|ibuprofen|painkillers|co-?codamol|sleeping\s+(?:pills|tablets)|meds|antidepressants|"
                        r"sertraline|aspirin|fluoxetine)\s+(?:\w+\s+){0,3}?(?:(?:is|are|would\s+be)\s+too\s+many|"
                        r"(?:would|will|does\s+it\s+take\s+to|do\s+you\s+need\s+to|to)\s+(?:kill|die|overdose|od)|(?:is|are|would\s+be)\s+(?:lethal|fatal|deadly))\b"
                        r"(?!\s+for\s+(?:a|an|my|our|him|her|kids|children|\d))|\b(?:lethal|fatal|deadly)\s+(?:dose|amount|overdose)\b", 0.8, ('many', 'lethal', 'fatal', 'deadly')),
        ("stockpile", r"\b(?:stockpil\w+|saving\s+up|hoarding|collecting)\s+(?:(?:all\s+)?(?:my|his|her|their|the)\s+)?(?:pills|tablets|meds|medication|paracetamol|painkillers)\b|"
                      r"\b(?:take|taking|swallow|swallowing|neck|necking)\s+(?:the\s+whole\s+(?:packet|box|bottle)|a\s+whole\s+(?:packet|box|bottle)|all\s+(?:of\s+)?(?:my|the)\s+"
                      r"(?:pills|tablets|meds)\s+at\s+once)\b", 0.8, ('stockpil', 'saving up', 'hoarding', 'collecting', 'whole', 'at once')),
        ("burden", r"\b(?:i'?m|i\s+am|im|feel\s+like|felt\s+like|i'?m\s+just|being)\s+(?:just\s+|such\s+|only\s+)?a\s+(?:massive\s+|huge\s+|big\s+)?burden\b"
                   r"(?!\s+(?:on\s+the\s+(?:system|service|council|nhs)|to\s+(?:the\s+)?(?:service|council|school|nhs|system|you\s+guys)))", 0.7, ('burden',)),
        ("took_all_tablets", r"\b(?:took|taken|swallowed|necked)\s+(?:all|the\s+rest)\s+(?:of\s+)?(?:my|his|her|their|the|mum'?s|dad'?s)\s+(?:\w+\s+)?(?:pills|tablets|meds|medication|paracetamol|painkillers)\b"
                             r"(?!\s+(?:this\s+morning|today|tonight|as\s+prescribed|on\s+time|with|at\s+school))", 0.8, ('pills', 'tablets', 'meds', 'medication', 'paracetamol', 'painkillers')),
        ("cutting_again", r"\bcutting\s+again\b|\b(?:started|been|keeps|still|is|she'?s|he'?s|was|caught\s+(?:him|her))\s+cutting(?=\s*(?:[.!,?]|$|again|and\s+(?:i|we|she|he)|on\s+(?:her|his)|"
                          r"(?:her|his)\s+(?:arms?|legs?|wrists?|thighs?)))", 0.75, ('cutting',)),
        # Farewell / final-act signs. Strong ones stand alone; weak ones need a second farewell cue.
        ("farewell_strong", r"\b(?:(?:goodbye|suicide|farewell)\s+(?:letters?|notes?|messages?|video)|by\s+the\s+time\s+(?:you|anyone|someone|u)\s+(?:read|reads|see|sees)\s+this|"
                            r"this\s+(?:is|will\s+be)\s+my\s+(?:last|final)\s+(?:post|message|comment|msg)|giv(?:en|ing|e)\s+away\s+(?:all\s+)?(?:my|his|her)\s+"
                            r"(?:things|stuff|belongings|possessions)|(?:put|putting|sorted|sorting|got)\s+(?:all\s+)?my\s+affairs\s+in\s+order)\b", 0.85,
         ('goodbye', 'suicide', 'farewell', 'by the time', 'my last', 'my final', 'away', 'affairs')),
        ("farewell_weak", _FAREWELL_WEAK, 0.75, _FAREWELL_WEAK_NEEDS),
    )

    def validate(self, match, text, pattern):
        if pattern.name == "farewell_weak":
            # "wanted to say goodbye to everyone" alone may be someone moving away: needs another farewell cue
            # (any other match of the same pattern in the text: counted once per text, not once per match)
            if _weak_farewells(text) < 2:
                return None
        return pattern.score


class AbuseRecognizer(RiskRecognizer):
    """Physical, sexual or emotional abuse of a child: "pulled my daughter by her hair", "hit him",
    "slapped her", "grabbed him", "left a mark/bruise", "touched her inappropriately", "locks him in",
    "restrained ... bruises"; a young person's own disclosure ("my step dad hits me", "locks me in my
    room", "threatens to hit me", "don't feel safe at home"); grooming, online and criminal
    exploitation (NSPCC CSE/CCE: "being groomed", an older man messaging a child, "asking for pics",
    gifts or money from an unknown adult, county lines); honour-based abuse; financial abuse of a
    disabled young adult by carers ("taking his money")."""

    type = "child_abuse"
    patterns = _lexicon(
        ("hit_child", r"\b(?:hit|hits|hitting|slap(?:s|ped|ping)?|punch(?:es|ed|ing)?|kick(?:s|ed|ing)?|beat(?:s|en|ing)?|smack(?:s|ed|ing)?|"
                      r"shov(?:e|es|ed|ing)|grab(?:s|bed|bing)?|pinch(?:es|ed|ing)?|shak(?:e|es|en|ing)|shook|strangl(?:e|es|ed|ing)|"
                      r"chok(?:e|es|ed|ing)|throttl(?:e|es|ed|ing)|yank(?:s|ed|ing)?|manhandl(?:e|es|ed|ing)|"
                      r"assault(?:s|ed|ing)?|abus(?:e|es|ed|ing)|hurt(?:s|ing)?|bit|bites|biting|scratch(?:es|ed|ing)?|"
                      r"battered|thump(?:s|ed|ing)?|whack(?:s|ed|ing)?|belt(?:s|ed)|strikes|struck)\s+" + _CHILD_OBJ +
         r"\b(?!\s+(?:feelings|head|target|targets|limit|milestones?|knee|elbow|teeth|nose|toe|finger)\b)(?!\s*,?\s*join)", 0.75, _HIT_NEEDS),
        ("by_hair", r"\b(?:pull(?:s|ed|ing)?|yank(?:s|ed|ing)?|drag(?:s|ged|ging)?|grab(?:s|bed|bing)?|twist(?:s|ed|ing)?)\s+"
                    r"(?:" + _CHILD_OBJ + r"\s+)?(?:by\s+)?(?:the|his|her|their)\s+(?:hair|ear|ears|arm|arms|wrist|wrists|neck|throat|collar|hood|jumper|leg)\b|"
                    r"\b(?:held|hold(?:s|ing)?|grip(?:s|ped|ping)?)\s+(?:" + _CHILD_OBJ + r"\s+)?(?:by\s+)?(?:the|his|her|their)\s+(?:hair|neck|throat|collar)\b", 0.85, ('hair', 'ear', 'arm', 'wrist', 'neck', 'throat', 'collar', 'hood', 'jumper', 'leg')),
        ("marks", r"\b(?:left|leaving|leaves|came\s+home\s+with|come\s+home\s+with|comes\s+home\s+with|covered\s+in|has|had|got|with|noticed)\s+"
                  r"(?:a\s+|some\s+|big\s+|huge\s+|bad\s+|nasty\s+|red\s+|finger(?:tip)?\s+|hand\s+|dark\s+|more\s+)*(?:marks?|bruis(?:e|es|ing)|welts?|"
                  r"black\s+eye|burn\s+marks?|grip\s+marks?|slap\s+marks?|hand\s?prints?|finger\s?prints?)\b", 0.75, ('mark', 'bruis', 'welt', 'black eye', 'burn', 'print')),
        ("bruises_on", r"\bbruis(?:e|es|ed|ing)\s+(?:on|all\s+over|up)\s+(?:his|her|their|my)\b|\bbruised\s+(?:his|her|their|him|her)\b", 0.75, ('bruis',)),
        ("restraint", r"\brestrain(?:s|ed|ing)?\s+" + _CHILD_OBJ + r"\b|\b(?:pinned|pin(?:s|ning)?|held|hold(?:s|ing)?|sat\s+on|sit(?:s|ting)?\s+on)\s+"
                      + _CHILD_OBJ + r"\s+(?:down\b|on\s+the\s+floor\b|against\s+the\s+wall\b|face\s+down\b)", 0.6, ('restrain', 'pin', 'held', 'hold', 'sat', 'sit')),
        ("restraint_injury", r"\brestrain(?:t|ed|ing)?\b[^.!?\n]{0,80}\b(?:bruis\w*|marks?|injur\w*|hurt|pain|carpet\s+burns?)\b", 0.85, ('restrain',)),
        ("pushed_over", r"\b(?:push(?:es|ed|ing)?|shov(?:e|es|ed|ing)|knock(?:s|ed|ing)?|threw|throws?)\s+" + _CHILD_OBJ + r"\s+(?:over|down|to\s+the\s+(?:floor|ground)|into\s+(?:a|the)\s+(?:wall|door|table)|against\s+(?:a|the)\s+wall|off\s+(?:his|her|a|the)\s+chair)\b", 0.75,
         ("push", "shov", "knock", "threw", "throw")),
        ("threw_at", r"\b(?:threw|throws|throwing|thrown)\s+(?:a|an|the|his|her)\s+\w+\s+at\s+" + _CHILD_OBJ + r"\b", 0.75, ('threw', 'throw')),
        ("sexual", r"\b(?:touch(?:ed|es|ing)?\s+(?:" + _CHILD_OBJ + r"\s+)?(?:inappropriately|sexually|down\s+there|in\s+(?:his|her|their)\s+private|(?:his|her|their)\s+private)|"
                   r"inappropriate(?:ly)?\s+touch\w*|sexual(?:ly)?\s+(?:abus\w*|assault\w*|touch\w*)|sexual\s+assault|rap(?:e|ed|ing)\b|"
                   r"molest\w*|groom(?:ed|ing)\s+(?:him|her|them|my|our|children|kids)|showed\s+(?:him|her|them)\s+(?:porn|pornography|explicit|naked)|"
                   r"(?:sent|send|sending|asked\s+for)\s+(?:him|her|them)?\s*(?:nudes|naked\s+(?:photos|pictures|pics))|private\s+parts|indecent(?:ly)?\s+(?:exposure|images|assault))", 0.85, ('touch', 'inappropriate', 'sexual', 'rap', 'molest', 'groom', 'porn', 'explicit', 'naked', 'nudes', 'private', 'indecent')),
        ("night_visits", r"\b(?:comes?|came|going|goes|went|gets?|got)\s+(?:in|into)\s+(?:her|his|their)\s+(?:bed|bedroom|room)\s+(?:at\s+night|when|while|in\s+the\s+night)\b|"
                         r"\basked\s+(?:her|him|them|my\s+\w+)\s+(?:for|to\s+send)\s+(?:photos|pics|pictures|selfies|nudes)\b|\b(?:keep|keeps|kept)\s+(?:it|this)\s+(?:a\s+)?(?:secret|between\s+them)\b", 0.7,
         ("night", "when", "while", "photos", "pics", "pictures", "selfies", "nudes", "secret", "between them")),
        ("locked_in", r"\b(?:lock(?:s|ed|ing)?\s+" + _CHILD_OBJ + r"\s+(?:in|out|up|away)|shut(?:s|ting)?\s+" + _CHILD_OBJ + r"\s+(?:in|out))\b"
                      r"(?!\s+(?:the\s+)?(?:a\s+)?(?:car\s+)?(?:safe|seat))(?!\s+of\s+(?:the|his|her|their|my)\s+(?:account|portal|app|system|email|computer|ipad|laptop|tablet|phone|wifi))", 0.75, ('lock', 'shut')),
        ("locked_room", r"\b(?:locked|shut)\s+in\s+(?:a|the|his|her|their)\s+(?:room|bedroom|cupboard|shed|cellar|toilet|bathroom|isolation\s+room)\b", 0.75, ('locked', 'shut')),
        ("emotional", r"\b(?:calls?|called|calling)\s+(?:him|her|them|my\s+\w+)\s+(?:stupid|thick|useless|worthless|retard(?:ed)?|fat|ugly|names|a\s+freak|an\s+idiot)\b|"
                      r"\b(?:screams?|screamed|shouts?|shouted|swears?|swore)\s+at\s+" + _CHILD_OBJ + r"\s+(?:all\s+the\s+time|constantly|every\s+day|non[- ]?stop)\b|"
                      r"\bthreaten(?:s|ed|ing)\s+(?:to\s+)?(?:hit|hurt|kill|beat|smack)\s+" + _CHILD_OBJ + r"\b", 0.7, ('call', 'scream', 'shout', 'swear', 'swore', 'threaten')),
        ("abuse_word", r"\b(?:(?:being|been|was|were|is|are|getting|got)\s+abused|(?:physical(?:ly)?|emotional(?:ly)?|sexual(?:ly)?|verbal(?:ly)?)\s+abus\w*|"
                       r"child\s+abuse|abusing\s+(?:him|her|them))\b", 0.75, ('abus',)),
        # A young person's own disclosure about an adult at home ("my step dad hits me").
        ("family_hits_me", r"\bmy\s+" + _HOUSEHOLD_ADULT + r"\s+(?:\w+\s+)?(?:hits|hit|beats|beat|punch(?:es|ed)|kick(?:s|ed)|slap(?:s|ped)|smack(?:s|ed)|chok(?:es|ed)|"
                           r"strangl(?:es|ed)|hurts|hurt|attack(?:s|ed)|push(?:es|ed)|shov(?:es|ed)|throws|threw|grab(?:s|bed)|burn(?:s|ed|t)|abus(?:es|ed)|"
                           r"rap(?:es|ed)|batter(?:s|ed)|whack(?:s|ed)|belt(?:s|ed)|starv(?:es|ed))\s+me\b(?!\s+(?:to|into|for|up|off|over|with\s+(?:questions|loads|the))\b)", 0.85, _HIT_NEEDS + ('push', 'throw', 'threw', 'burn', 'rap', 'starv')),
        ("threat_to_hurt", r"\bthreaten(?:s|ed|ing)?\s+(?:to\s+)?(?:hit|hurt|kill|beat|smack|slap|punch|kick|stab|batter|strangle|burn)\s+(?:me|us)\b|"
                           r"\b(?:says|said|told\s+(?:me|him|her))\s+(?:that\s+)?(?:he|she|they)\s*(?:'ll|'d|will|would|is\s+going\s+to|'s\s+going\s+to|was\s+going\s+to|gonna)\s+"
                           r"(?:hit|hurt|kill|beat|batter|smack|stab|strangle|break\s+(?:my|his|her)\s+\w+)\s+(?:me|us|" + _CHILD_OBJ + r")\b", 0.8, ('threaten', 'say', 'said', 'told')),
        ("locked_me", r"\block(?:s|ed|ing)?\s+(?:me|us)\s+(?:in\s+(?:my|the|a|our|his|her)\s+(?:room|bedroom|cupboard|shed|house|flat|garden|bathroom|toilet|cellar|attic|garage)|"
                      r"in\b(?=\s*(?:[.,!]|$|at\s+night|all|every|for|when|if))|out\s+(?:of\s+the\s+(?:house|flat|home)|overnight|at\s+night|all\s+night|in\s+the\s+(?:garden|cold|rain))|outside)\b|"
                      r"\b(?:locked|shut|kept)\s+in\s+(?:my|our)\s+(?:room|bedroom|cupboard)\b", 0.8, ('lock', 'shut', 'kept')),
        ("scared_of_carer", r"\b(?:scared|afraid|frightened|terrified|petrified)\s+(?:of|to\s+be\s+(?:alone|left)\s+with|to\s+go\s+home\s+to)\s+(?:my|his|her|their|our)\s+"
                            + _HOUSEHOLD_ADULT + r"\b|\b(?:don'?t|do\s+not|doesn'?t|does\s+not|never|not)\s+feel(?:s)?\s+safe\s+(?:at\s+home|in\s+(?:my|the|our|his|her)\s+(?:own\s+)?(?:house|home|room))|"
                            r"\b(?:isn'?t|is\s+not|am\s+not|i'?m\s+not|not)\s+safe\s+at\s+home\b", 0.8, ('scared', 'afraid', 'frightened', 'terrified', 'petrified', 'safe')),
        ("touches_me", r"\btouch(?:es|ed|ing)?\s+me\s+(?:there|down\s+there|in\s+places|inappropriately|where|at\s+night|under|on\s+my\s+(?:private|privates|bum|chest|breasts?|boobs?)|"
                       r"when\s+(?:no\s+one|nobody|noone|no-one|mum|mam|dad|she|he|they|i'?m\s+(?:asleep|alone|in\s+bed))|in\s+(?:my|the)\s+(?:bed|bedroom|bath|shower))\b|"
                       r"\bmakes?\s+me\s+(?:touch\s+(?:him|her)|watch\s+(?:porn|(?:rude|dirty)\s+videos)|take\s+(?:my\s+)?clothes\s+off|get\s+undressed|keep\s+(?:it\s+)?(?:a\s+)?secret)\b|"
                       r"\b(?:comes?|came|gets?|got)\s+(?:in|into)\s+my\s+(?:bed|bedroom|room)\s+(?:at\s+night|when|while|in\s+the\s+night)\b|"
                       r"\b(?:flash(?:ed|es|ing)|expos(?:ed|es|ing))\s+(?:him|her)sel(?:f|ves)\b", 0.85, ('touch', 'make', 'bed', 'room', 'self')),
        # Grooming and online sexual exploitation (NSPCC: CSE / online abuse).
        ("secrecy", r"\b(?:said|says|told\s+(?:me|him|her)|threaten\w*)\s+(?:that\s+)?if\s+(?:i|he|she|you)\s+(?:ever\s+)?(?:tell|told|say\s+anything\s+to)\s+"
                    r"(?:anyone|anybody|someone|my\s+\w+|his\s+\w+|her\s+\w+|the\s+(?:police|teacher|school))\b|"
                    r"\b(?:told|tells|telling|asked|asks|makes?|made)\s+(?:him|her|them)\s+(?:not\s+to\s+tell|to\s+keep\s+(?:it|this|us|them|things)\s+(?:a\s+)?secret)\b", 0.8,
         ('if', 'tell', 'secret')),
        ("age_gap", r"\b(?:boyfriend|girlfriend|bf|gf)\s+(?:is|who'?s|'s|who\s+is|that'?s|aged)\s+(?:1[89]|[2-6]\d)\b", 0.75, ('boyfriend', 'girlfriend', 'bf', 'gf')),
        ("burns", r"\b(?:cigarette\s+)?burns?\s+(?:marks?\s+)?(?:on|all\s+over)\s+(?:his|her|their|my)\s+(?:arms?|legs?|hands?|back|body|face|neck|chest|feet|bum)\b|\bcigarette\s+burns?\b", 0.75, ('burn',)),
        ("groomed", r"\b(?:being|been|was|were|is|are|getting|got|get)\s+groomed\b|\bgroom(?:ed|ing)\s+(?:him|her|them|my|our|children|kids|young|a\s+(?:child|kid|girl|boy))\b|"
                    r"\b(?:online|sexual|criminal|child)\s+grooming\b|\bgrooming\s+gangs?\b|\bsextort\w*|\b(?:child\s+)?(?:sexual|criminal)\s+exploitation\b|"
                    r"\b(?:sexually|criminally)\s+exploit\w*|\bbeing\s+exploited\b(?!\s+by\s+(?:the\s+)?(?:system|council|la|school|government|companies|private))|"
                    r"\b(?:cse|cce)\b|\btraffick(?:ed|ing)\b|\bradicali[sz](?:ed|ation|ing)\b|\bextremist\s+(?:videos|groups?|views|content|stuff|material)\b", 0.85,
         ('groom', 'sextort', 'exploit', 'cse', 'cce', 'traffick', 'radicali', 'extremist')),
        ("asking_for_pics", r"\b(?:ask(?:s|ed|ing)?|begg(?:ing|ed)|pressur(?:e|es|ed|ing)|keeps\s+asking|kept\s+asking)\s+(?:(?:him|her|them|me|my\s+\w+)\s+)?(?:for|to\s+send)\s+"
                            r"(?:(?:more|some|private|naked|nude|rude|dirty|sexy|topless|revealing)\s+)?(?:photos|pics|pictures|selfies|nudes|videos|images)\b"
                            r"(?!\s+(?:of\s+(?:the|his|her|their|my)\s+(?:damage|room|bedroom|house|form|letter|work|homework|ehcp|evidence|equipment|wheelchair))|\s+for\s+(?:the|his|her|a)\s+"
                            r"(?:passport|id|form|application|evidence|report|badge|card))|"
                            r"\bthreaten\w*\s+to\s+(?:share|post|send|leak|show|put\s+up)\s+(?:\w+\s+){0,3}?(?:pics|photos|pictures|images|videos|nudes)\b", 0.8,
         ('ask', 'begg', 'pressur', 'threaten')),
        ("older_adult_contact", r"\b(?:an?|some|this|that|the)\s+(?:much\s+)?(?:older|grown(?:[- ]up)?|\d{2}\s*(?:-|\s)?(?:yr|year)s?\s*(?:-|\s)?old)\s+"
                                r"(?:man|men|bloke|guy|fella|woman|stranger|adult|boyfriend|girlfriend)\b|\bsome\s+(?:random\s+)?(?:bloke|guy|man|fella|stranger)\b|"
                                r"\b(?:someone|a\s+(?:man|stranger|bloke))\s+(?:s?he|they)\s+met\s+online\b|\bmet\s+(?:an?\s+)?(?:man|men|bloke|guy|stranger|adult|someone)\s+online\b", 0.75,
         ('older', 'grown', 'old', 'some', 'online')),
        ("gifts", r"\b(?:send(?:s|ing)?|sent|giv(?:es|ing)|gave|buy(?:s|ing)|bought|transferr?(?:ed|ing|s)?)\s+(?:him|her|them|my\s+\w+)\s+(?:money|cash|gifts?|presents?|"
                  r"(?:a\s+)?(?:new\s+)?(?:phone|iphone)|vapes?|credit|top[- ]?ups?|drugs|weed|alcohol|booze|cigarettes|designer\s+\w+|trainers)\b", 0.75,
         ('send', 'sent', 'giv', 'gave', 'buy', 'bought', 'transfer')),
        # Child criminal exploitation: county lines, drug running, gangs.
        ("county_lines", r"\bcounty\s+lines?\b|\bcuckoo(?:ed|ing)\b|\b(?:drug|gang)\s+debts?\b|\bowes?\s+(?:a\s+)?(?:dealer|dealers|the\s+gang|a\s+gang)\b|"
                         r"\b(?:sell(?:s|ing)?|sold|run(?:s|ning)?|deal(?:s|ing)?|dealt|carry(?:ing)?|carries|carried|hold(?:s|ing)?|mov(?:e|es|ing|ed)|deliver(?:s|ing|ed)?|"
                         r"stash(?:es|ing|ed)?|hid(?:e|es|ing)?|hidden)\s+(?:\w+\s+){0,2}?(?:drugs|weed|crack|heroin|cocaine|coke|ketamine|packages|parcels|stuff)\s+for\s+"
                         r"(?:some|older|a\s+gang|the\s+gang|them|these|dealers?|people|lads|men)\b|"
                         r"\b(?:sell(?:s|ing)?|dealing|running)\s+(?:drugs|weed|crack|heroin|cocaine)\b|"
                         r"\b(?:involved|mixed\s+up|hanging\s+(?:around|about|out))\s+(?:with|in)\s+(?:a\s+|the\s+)?(?:gangs?|dealers?|county\s+lines|drug\s+dealers?)\b|"
                         r"\b(?:gang|gangs|dealers?)\s+(?:\w+\s+){0,3}?(?:recruit\w*|us(?:e|es|ed|ing)\s+(?:him|her|them)|mak(?:e|es|ing)\s+(?:him|her|them)|forc\w+|"
                         r"threaten\w*|pick(?:s|ed|ing)?\s+(?:him|her|them)\s+up|groom\w*)", 0.8,
         ('county', 'cuckoo', 'debt', 'owe', 'drugs', 'weed', 'crack', 'heroin', 'cocaine', 'coke', 'ketamine', 'packages', 'parcels', 'stuff', 'gang', 'dealer')),
        # Honour-based abuse: forced marriage, FGM.
        ("honour_based", r"\bforced\s+(?:to\s+)?marr(?:y|iage|ied)\b|\bforc(?:e|es|ed|ing)\s+(?:him|her|them|me)\s+(?:to\s+marry|into\s+(?:a\s+)?marriage)\b|\bmarr(?:y|ied|ying)\s+(?:her|him|them)\s+off\b|\bfgm\b|\bfemale\s+genital\b|\bhonou?r[- ]based\s+(?:abuse|violence)\b",
         0.85, ('forced', 'marr', 'fgm', 'female', 'honour', 'honor')),
        # Financial abuse of a disabled young adult (Care Act: financial abuse, neglect by carers).
        ("takes_his_money", r"\b(?:tak(?:e|es|ing)|took|taken|steal(?:s|ing)?|stole|stolen|keep(?:s|ing)?|kept|spend(?:s|ing)?|spent|us(?:e|es|ing)|pocket(?:s|ing|ed)?|"
                            r"help(?:s|ing)?\s+(?:themselves|herself|himself)\s+to)\s+(?:all\s+(?:of\s+)?)?(?:his|her|their)\s+(?:money|cash|benefits|pip|dla|esa|"
                            r"universal\s+credit|bank\s+cards?|cards?|savings|allowance|wages|pension)\b(?!\s+(?:to|for)\s+(?:do|the|his|her|their|pay|buy|get|shopping|bills|rent|food|activities|trips?))", 0.75,
         ('money', 'cash', 'benefits', 'pip', 'dla', 'esa', 'credit', 'card', 'savings', 'allowance', 'wages', 'pension')),
    )

    def validate(self, match, text, pattern):
        name = pattern.name
        if name in ("groomed", "county_lines", "honour_based") and _is_topic(text, match):
            return None  # "what is county lines?", "grooming awareness training"
        if name == "age_gap":
            if not _near(_CHILD_UNDER_16, text, match, 200, 200):
                return None  # a young adult's partner of 24 is no concern; a 14-year-old's is
            if re.search(r"\b(?:dad|mum|mam|mom|father|mother|brother|sister|uncle|aunt(?:ie)?|nan|gran|grandad|cousin)'?s\s+(?:new\s+)?$", text[max(0, match.start() - 25): match.start()], re.I):
                return None  # "his dad's girlfriend is 30"  # a young adult's partner of 24 is no concern; a 14-year-old's is
        if name == "older_adult_contact" and (not _near(_ONLINE_CONTACT, text, match)
                                              or match.group(0).lower().startswith("met") and _first_person_subject(text, match.start())):
            return None  # "an older man helped him at the bus stop"; "we met a man online from the support group"  # "an older lady helped him at the bus stop"
        if name == "gifts" and not (_near(_UNKNOWN_ADULT, text, match, 120, 60) or _near(_ONLINE_SETTING, text, match, 160, 120)):
            return None  # "my mum sends him money for his birthday"
        if (name == "asking_for_pics" or name == "night_visits" and match.group(0).lower().startswith("ask")) and \
                _STAFF_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            return None  # "the council asked for photos"
        if name == "takes_his_money":
            if not match.group(0).lower().startswith(("steal", "stole", "pocket", "help")) and not _near(_CARE_SETTING, text, match, 160, 60):
                return None  # "his dad takes his money to the bank"
            if re.match(r"\s+(?:for|to\s+pay\s+for)\s+(?:the\s+)?(?:trips?|dinners?|lunch|meals|uniform|school)\b", text[match.end():]):
                return None
        return pattern.score


class DomesticViolenceRecognizer(RiskRecognizer):
    """Violence at home against the writer: "my partner hits me", "he beats me", "scared of my
    husband", "violence at home", "the kids see it"."""

    type = "domestic_violence"
    patterns = _lexicon(
        ("partner_hits_me", r"\b(?:my\s+" + _PARTNER + r"|he|she)\s+(?:\w+\s+)?(?:hits|hit|beats|beat|punch(?:es|ed)|kick(?:s|ed)|slap(?:s|ped)|chok(?:es|ed)|"
                            r"strangl(?:es|ed)|threaten(?:s|ed)|hurts|hurt|attack(?:s|ed)|assault(?:s|ed)|push(?:es|ed)|shov(?:es|ed)|throws|threw|"
                            r"rap(?:es|ed)|abus(?:es|ed)|grab(?:s|bed)|strikes|struck|batter(?:s|ed))\s+(?:me|us)\b"
                            r"(?!\s+(?:to|into|for|a|off|over|up\s+on|with\s+(?:so\s+many|loads|lots|a\s+lot|a\s+question|questions|the\s+news|paperwork|forms))\b)", 0.85, _DV_NEEDS),
        ("child_hits_me", r"\bmy\s+" + _KID_MOD + _KID + r"\s+(?:\w+\s+)?(?:hits|hit|beats|punch(?:es|ed)|kick(?:s|ed)|attack(?:s|ed)|assault(?:s|ed)|"
                          r"strangl(?:es|ed)|chok(?:es|ed)|threaten(?:s|ed))\s+(?:me|us)\b", 0.6, _DV_NEEDS),
        ("scared_of_partner", r"\b(?:scared|afraid|frightened|terrified|petrified)\s+(?:of|to\s+go\s+home\s+to|to\s+leave|to\s+tell)\s+(?:my\s+)?" + _PARTNER + r"\b|"
                              r"\b(?:scared|afraid|frightened|terrified|petrified)\s+to\s+go\s+(?:back\s+)?home\b|\b(?:threw|throws|thrown)\s+(?:a|an|the|his|her)\s+\w+\s+at\s+me\b", 0.85, ('scared', 'afraid', 'frightened', 'terrified', 'petrified', 'threw', 'throw')),
        ("dv_words", r"\b(?:domestic\s+(?:violence|abuse)|\bdv\b|violence\s+(?:at|in\s+the)\s+home|violent\s+(?:at\s+home|partner|husband|relationship|ex|boyfriend|towards\s+me)|"
                     r"abusive\s+(?:partner|husband|relationship|ex|boyfriend|marriage|dad|father)|controlling\s+(?:partner|husband|relationship|ex|boyfriend|behaviour)|"
                     r"coercive(?:\s+control)?|non[- ]molestation(?:\s+order)?|restraining\s+order|women'?s\s+(?:aid|refuge)|fled\s+(?:to\s+a\s+refuge|from\s+(?:him|my))|"
                     r"fleeing\s+(?:domestic|him|my))\b", 0.85, ('domestic', 'dv', 'violen', 'abusive', 'controlling', 'coercive', 'molestation', 'restraining', 'women', 'fled', 'fleeing')),
        ("coercive", r"\b(?:he|she|my\s+" + _PARTNER + r")\s+(?:\w+\s+)?(?:controls|takes|took|keeps|has\s+taken)\s+(?:all\s+)?(?:the|my|our)\s+(?:money|bank\s+card|phone|car\s+keys|benefits)\b|"
                     r"\b(?:won'?t|doesn'?t|does\s+not|will\s+not|never)\s+let\s+me\s+(?:see|go\s+out\s+with|talk\s+to|speak\s+to|leave\s+the\s+house|have\s+(?:any\s+)?money)(?:\s+(?:my\s+)?(?:friends|family|mum|mam|sister|brother|anyone|on\s+my\s+own))?\b(?<!see)(?<!to)(?<!with)", 0.7,
         ("money", "card", "phone", "keys", "benefits", "let me")),
        ("kids_see", r"\b(?:the|my|our)\s+(?:kids|children|boys|girls|little\s+ones?)\s+(?:see|saw|seen|witness(?:ed)?|hear|heard|watch(?:ed)?)\s+"
                     r"(?:it|him|everything|the\s+(?:fights?|fighting|violence|arguments?|rows|abuse|shouting|hitting))\b(?!\s+(?:from|on|at|in\s+school|online))", 0.8, ('see', 'saw', 'witness', 'hear', 'watch')),
        ("he_is_violent", r"\bmy\s+" + _PARTNER + r"\s*(?:'s|is|gets|can\s+be|has\s+been|was)\s+(?:\w+\s+){0,3}?(?:violent|aggressive|abusive|controlling)\b|"
                          r"\b(?:he|she)\s*(?:'s|is|gets|can\s+be|has\s+been|was)\s+(?:\w+\s+)?(?:violent|aggressive)\s+(?:to|towards|with)\s+(?:me|us)\b|"
                          r"\b(?:he|she)\s*(?:'s|is|gets|can\s+be|has\s+been|was)\s+(?:\w+\s+)?violent\s+at\s+home\b", 0.75, ('violent', 'aggressive', 'abusive', 'controlling')),
        ("police_home", r"\b(?:police|cops)\s+(?:were|was|got|have\s+been|had\s+to\s+be)\s+(?:called\s+)?(?:out\s+)?(?:to\s+(?:the|our|my)\s+(?:house|home|flat))\b", 0.6, ('police', 'cops')),
    )


# A very young or unsupervised child, or a neglect cue: what makes "outside in the cold" a worry.
_YOUNG_OR_UNCARED = re.compile(r"\b(?:bab(?:y|ies)|toddlers?|nappy|nappies|little\s+(?:boy|girl|one|ones|lad|kids?)|(?:about|only|just)\s+[1-6]\b|[1-6]\s*(?:yrs?|years?)\s*old|"
                               r"no\s+(?:coat|shoes|socks)|on\s+(?:his|her|their)\s+own|alone|nobody|no\s+one|noone|locked|left|never\s+sober|drunk|neglect\w*|"
                               r"hungry|starving|no\s+food)\b", re.I)
# Carers or neglect around a report of weight loss.
_CARE_OR_NEGLECT = re.compile(_CARE_SETTING.pattern + r"|\b(?:nobody|no\s+one|noone|neglect\w*|not\s+(?:being\s+)?fed|starv\w*|no\s+food|hungry|"
                              r"taking\s+(?:his|her|their)\s+money)\b", re.I)


class NeglectRecognizer(RiskRecognizer):
    """Neglect of a child or a dependent young adult: "not been fed", "left alone all day", "no food
    in the house", "nobody looks after him"; food withheld ("doesn't let me eat"); a carer who is
    "never sober" / on drugs / not out of bed for weeks; a young carer missing school to look after
    a parent; a young child outside in the cold "in just a nappy"; a young adult in care who has "lost
    loads of weight" and "nobody checks on"."""

    type = "neglect"
    patterns = _lexicon(
        ("not_fed", r"\b(?:not|hasn'?t|haven'?t|never|hadn'?t|isn'?t|aren'?t|wasn'?t|weren'?t|doesn'?t|don'?t|didn'?t|hardly|barely|rarely|no\s+one|nobody)\s+"
                    r"(?:been\s+|being\s+|getting\s+|get\s+|got\s+|gets\s+|ever\s+)?(?:fed|feeding\s+(?:him|her|them|the\s+kids)|washed|bathed|"
                    r"given\s+(?:any\s+)?(?:food|dinner|breakfast|tea|lunch|anything\s+to\s+eat)|looked\s+after|cared\s+for|supervised|clothed)\b", 0.8, ('fed', 'feeding', 'washed', 'bathed', 'given', 'looked', 'cared', 'supervised', 'clothed')),
        ("left_alone", r"\b(?:left|leaves|leaving|leave)\s+(?:(?:him|her|them|my\s+\w+|the\s+(?:kids|children|baby))\s+)?(?:home\s+alone|alone|on\s+(?:his|her|their)\s+own|"
                       r"by\s+(?:him|her|them)sel(?:f|ves)|unsupervised|unattended)\s+(?:all\s+(?:day|night|weekend|evening)|for\s+(?:hours|days|the\s+(?:day|night|weekend))|"
                       r"overnight|at\s+night|every\s+(?:day|night)|most\s+(?:days|nights)|while\s+(?:she|he|they|mum|dad)|when\s+(?:she|he)\s+goes)\b", 0.8, ('alone', 'own', 'self', 'selves', 'unsupervised', 'unattended')),
        ("home_alone", r"\b(?:home\s+alone|left\s+in\s+(?:his|her|their)\s+(?:cot|room|nappy|bed)\s+all\s+(?:day|night))\b", 0.7, ('alone', 'left in')),
        ("no_food", r"\b(?:no|isn'?t\s+any|there'?s\s+no|never\s+any)\s+food\s+(?:in\s+the\s+(?:house|flat|fridge|cupboards?)|at\s+home|for\s+(?:the\s+kids|them|days|him|her))\b"
                    r"(?!\s+(?:that\s+)?(?:he|she|they)\s*(?:will|would|'ll|'d|can|likes?|does|do)?\s*(?:eat|eats|touch|touches|like|likes|tolerate)\b)|"
                    r"\bnothing\s+(?:for\s+(?:them|the\s+kids|him|her)\s+)?to\s+eat\b|\b(?:go(?:es)?|going|went|comes?\s+to\s+school)\s+hungry\b|"
                    r"\bcan'?t\s+afford\s+(?:food|to\s+feed)\b|\bnothing\s+(?:to\s+eat\s+)?in\s+the\s+(?:house|flat|fridge|cupboards?)\b|"
                    r"\b(?:always|constantly|often|dirty\s+and)\s+(?:starving|hungry)\b|\b(?:hasn'?t|haven'?t|not|hasnt|havent)\s+(?:had\s+anything\s+to\s+eat|eaten)\s+(?:properly\s+)?(?:in|for)\s+(?:days|\w+\s+days)\b", 0.75, ('food', 'eat', 'hungry', 'feed', 'nothing', 'starving')),
        ("nobody_cares", r"\b(?:nobody|no\s+one|noone|no-one)\s+(?:\w+\s+)?(?:looks?|looking)\s+after\b|\b(?:nobody|no\s+one|noone|no-one)\s+(?:is\s+)?(?:caring\s+for|feeding|watching)\s+(?:him|her|them|the\s+kids)\b", 0.75, ('nobody', 'no one', 'noone', 'no-one')),
        ("neglected", r"\b(?:being|been|is|are|was|were|feels?)\s+neglected\b|\bneglect(?:s|ing|ed)\s+(?:him|her|them|the\s+kids|the\s+children|my|his|her|their)\b|\bchild\s+neglect\b", 0.75, ('neglect',)),
        ("dirty", r"\b(?:same\s+(?:dirty\s+)?clothes\s+for\s+(?:days|a\s+week|weeks)|filthy\s+(?:clothes|house|nappy)|(?:dirty|soiled)\s+nappy\s+all\s+day|"
                  r"crawling\s+with\s+(?:head\s+)?lice|no\s+(?:heating|electric(?:ity)?|gas)\s+(?:for\s+(?:days|weeks)|in\s+the\s+house))\b", 0.6, ('clothes', 'filthy', 'nappy', 'lice', 'heating', 'electric', 'gas')),
        ("no_meds", r"\b(?:isn'?t|aren'?t|not|never)\s+(?:being\s+)?(?:given|taken\s+to)\s+(?:his|her|their)\s+(?:medication|meds|insulin|inhaler|appointments)\b", 0.65, ('given', 'taken')),
        ("left_to_go_out", r"\b(?:leav(?:e|es|ing)|left)\s+(?:him|her|them|us|me|the\s+(?:kids|children|baby|little\s+ones)|my\s+\w+|(?:his|her|their)\s+\w+)\s+(?:home\s+)?"
                           r"(?:alone|on\s+(?:his|her|their|our|my)\s+own|by\s+(?:him|her|them|our|my)sel(?:f|ves))\s+(?:to\s+go|and\s+goes?|and\s+went|while\s+(?:she|he|they)\s+(?:goes?|went|is|are|'s))\s+"
                           r"(?:out\s+)?(?:out|drinking|to\s+the\s+pub|partying|clubbing|(?:and\s+)?gets?\s+drunk|to\s+(?:her|his)\s+(?:boyfriend|girlfriend)'?s?)\b", 0.8, ('alone', 'own', 'self', 'selves')),
        ("not_feeding", r"\b(?:doesn'?t|don'?t|won'?t|never|didn'?t|not|forgets?\s+to|forgot\s+to|hardly\s+ever|barely)\s+(?:even\s+)?feed(?:s|ing)?\s+(?:him|her|them|the\s+(?:kids|children|baby)|my\s+\w+)\b"
                        r"(?!\s+(?:\w+\s+)?(?:gluten|dairy|sugar|sweets|after|before|junk|that|this|anything\s+with|by\s+tube|orally|solids|himself|herself))", 0.75, ('feed',)),
        ("squalor", r"\b(?:living\s+in\s+squalor|(?:dog|cat)\s+(?:mess|poo|muck|faeces)\s+(?:everywhere|all\s+over)|house\s+is\s+(?:filthy|squalid|disgusting)|"
                    r"left\s+in\s+(?:a\s+)?(?:dirty|soiled|wet|full)\s+nappy)\b", 0.7, ('squalor', 'mess', 'poo', 'muck', 'faeces', 'house is', 'nappy')),
        ("no_food_in", r"\b(?:no|isn'?t\s+any|not\s+any|never\s+any)\s+food\s+in\b(?!\s+the\s+(?:house|flat)\s+(?:that\s+)?(?:he|she|they)\s*(?:will|would|'ll|'d|can|likes?|does|do)?\s*(?:eat|eats|touch|touches|like|likes|tolerate)\b|\s+(?:school|class|lessons?|the\s+(?:class(?:room)?|dining\s+hall|lunch\s+hall|car|bus|taxi|minibus|room|bedroom|sensory)))|"
                       r"\b(?:fridge|cupboards?)\s+(?:is|are|'s|always|were|was)\s+(?:always\s+|completely\s+|totally\s+)?(?:bare|empty)\b", 0.75, ('food', 'fridge', 'cupboard')),
        # Food withheld as control or punishment ("doesn't let me eat if I don't do what he says").
        ("food_withheld", r"\b(?:doesn'?t|don'?t|won'?t|wont|never|wouldn'?t|didn'?t|does\s+not|will\s+not)\s+(?:let|allow)\s+(?:me|us|him|her|them|my\s+\w+)\s+(?:to\s+)?"
                          r"(?:eat|have\s+(?:any\s+)?(?:food|dinner|tea|breakfast|lunch|meals?|anything\s+to\s+eat))\b"
                          r"(?!\s+(?:in\s+(?:class|lessons?|the\s+class|the\s+classroom|the\s+hall|his\s+room|her\s+room)|before|after|until|till|sweets|junk|snacks|crisps|chocolate))|"
                          r"\b(?:not|never)\s+allowed\s+(?:to\s+eat|food|(?:any\s+)?(?:dinner|tea|meals?))\b(?!\s+(?:in\s+(?:class|lessons?|the\s+class(?:room)?|the\s+hall)|before|after|until|till))|"
                          r"\b(?:mak(?:e|es|ing)|made)\s+(?:me|us|him|her|them)\s+go\s+without\s+(?:food|eating|meals?|dinner|tea)\b|"
                          r"\b(?:no|without)\s+(?:food|dinner|tea|meals?)\s+as\s+(?:a\s+)?punishment\b|\bstarv(?:es|ed|ing)\s+(?:me|us|him|her|them)\b", 0.8,
         ('let', 'allow', 'allowed', 'without', 'punishment', 'starv')),
        # A carer unable to care: intoxicated, or not getting out of bed for days.
        ("carer_intoxicated", r"\b(?:never|hardly\s+ever|rarely|not\s+once)\s+sober\b|"
                              r"\b(?:always|constantly|usually|often|permanently|every\s+(?:day|night)|regularly)\s+(?:drunk|stoned|wasted|off\s+(?:his|her|their)\s+(?:face|head|tits)|"
                              r"smashed|out\s+of\s+it|high(?!\s+(?:functioning|needs|alert|anxiety|achieving|achiever|pitched|energy|on\s+(?:sugar|adrenaline|energy|caffeine|life|excitement|fizzy|haribo|sweets)|maintenance))|on\s+drugs|pissed(?!\s+off))\b|"
                              r"\b(?:drunk|stoned|wasted|off\s+(?:his|her|their)\s+face|high\s+on\s+\w+)\s+(?:all\s+the\s+time|every\s+(?:day|night)|most\s+(?:days|nights)|"
                              r"when\s+(?:she|he|they)\s+(?:has|'s\s+got|is\s+looking\s+after|picks)|while\s+(?:looking\s+after|caring|in\s+charge|the\s+kids))\b|"
                              r"\bpass(?:es|ed|ing)?\s+out\s+(?:drunk|from\s+(?:drink|drinking|drugs))\b|"
                              r"\b(?:mum|mam|mom|dad|mother|father|parents?|step[- ]?(?:dad|mum))\s+(?:is|'s|are|'re|has\s+been|have\s+been|was|were)\s+(?:\w+\s+)?"
                              r"(?:on|taking|using|doing|injecting|smoking)\s+(?:drugs|heroin|crack|coke|cocaine|spice|meth|smack)\b|"
                              r"\btoo\s+(?:drunk|high|stoned|out\s+of\s+it|wasted)\s+to\b", 0.75,
         ('sober', 'drunk', 'stoned', 'wasted', 'face', 'head', 'tits', 'smashed', 'out of it', 'high', 'drugs', 'pissed', 'pass', 'heroin', 'crack', 'coke', 'cocaine',
          'spice', 'meth', 'smack')),
        ("carer_in_bed", r"\b(?:mum|mam|mom|dad|mother|father|parents?|she|he)\s+(?:\w+\s+){0,2}?(?:hasn'?t|hasnt|has\s+not|haven'?t|not|doesn'?t|can'?t|won'?t|never)\s+"
                         r"(?:got|gotten|get|gets|been|come|came)\s+(?:up\s+and\s+)?(?:out\s+of\s+(?:bed|her\s+room|his\s+room))\s+(?:in|for)\s+(?:days|weeks|(?:a|one|over\s+a|more\s+than\s+a)\s+(?:week|fortnight|month)|\w+\s+(?:days|weeks))\b", 0.7, ('bed', 'room')),
        # Young carers kept from education to care for a parent or siblings.
        ("young_carer_school", r"\b(?:miss(?:ing|ed|es)?|skip(?:ping|ped|s)?|off|stay(?:ing|ed|s)?\s+(?:off|home\s+from)|not\s+(?:going\s+to|in|at)|can'?t\s+go\s+to|kept\s+(?:off|home\s+from)|"
                               r"keeps?\s+(?:me|him|her|them)\s+(?:off|home\s+from))\s+(?:school|college)\s+(?:\w+\s+){0,2}?(?:to|(?:because|cos|coz|as)\s+(?:i|he|she)\s+(?:has|have|need|needs)\s+to)\s+"
                               r"(?:look\s+after|care\s+for|mind|babysit|take\s+care\s+of|help\s+(?:my|his|her)\s+(?:mum|mam|dad|mother|father))\b"
                               r"(?!\s+(?:her|his|their)\s+(?:own\s+)?(?:new\s*born|baby|son|daughter|child|kids?|pets?|dogs?|horse))", 0.75, ('school', 'college')),
        # A young child exposed: outside in the cold/dark, half-dressed, wandering.
        ("exposed", r"\b(?:always|often|constantly|left|locked|shut|put|kept|stood|standing|sat|sitting|wandering|out)\s+(?:\w+\s+){0,3}?"
                    r"(?:outside|out\s+in\s+the\s+(?:garden|street|road|yard|cold|rain|snow|dark))\s+(?:\w+\s+){0,4}?"
                    r"(?:in\s+the\s+(?:cold|rain|snow|dark|freezing)|at\s+night|till\s+late|until\s+late|all\s+(?:day|night|evening)|late\s+at\s+night|for\s+hours)\b|"
                    r"\b(?:in|wearing)\s+(?:just|only)\s+(?:a|his|her|their)\s+(?:nappy|nappies|vest|pants|underwear|pyjamas|pjs)\b|"
                    r"\bno\s+(?:coat|shoes|socks)\s+(?:on\s+)?in\s+(?:the\s+)?(?:cold|snow|rain|winter|freezing)\b|\bbarefoot\s+in\s+(?:the\s+)?(?:snow|cold|rain|street|road)\b|"
                    r"\bwander(?:s|ing|ed)\s+(?:the\s+)?(?:streets?|roads?)\s+(?:on\s+(?:his|her)\s+own|alone|at\s+night|late)\b", 0.7,
         ('outside', 'out in', 'just', 'only', 'coat', 'shoes', 'socks', 'barefoot', 'wander')),
        # Neglect of a disabled young adult in care.
        ("nobody_checks", r"\b(?:nobody|no\s+one|noone|no-one)\s+(?:ever\s+|even\s+|actually\s+)?(?:checks?|checking)\s+(?:in\s+|up\s+)?(?:on\s+)?(?:him|her|them|the\s+kids|my\s+\w+)\b"
                          r"(?!\s+(?:at|during|in)\s+(?:lunch|break|school|playtime|class|lessons?|dinner|the\s+(?:playground|lunch\s+hall|dining\s+hall)))|"
                          r"\b(?:left|sitting|sat|lying)\s+in\s+(?:his|her|their)\s+own\s+(?:mess|urine|wee|poo|faeces|feces|vomit|sick)\b|"
                          r"\bleft\s+in\s+(?:wet|soiled|dirty)\s+(?:pads|nappies|clothes|sheets|bedding|bed)\b", 0.75, ('check', 'own', 'wet', 'soiled', 'dirty')),
        ("weight_loss", r"\b(?:lost|losing|loses)\s+(?:so\s+much|loads|lots|a\s+lot|tons|a\s+load|a\s+stone|stones|\d+\s*(?:kg|kilos?|stone|lbs?|pounds))\s+(?:of\s+)?weight\b|"
                        r"\b(?:lost|losing)\s+(?:so\s+much\s+)?weight\b|\bskin\s+and\s+bones?\b|\bwasting\s+away\b", 0.7, ('weight', 'skin', 'wasting')),
    )

    def validate(self, match, text, pattern):
        name = pattern.name
        if name == "exposed" and not _near(_YOUNG_OR_UNCARED, text, match, 200, 200):
            return None  # "he loves sitting outside in the rain": only a young / unsupervised child is a worry
        if name == "weight_loss" and not _near(_CARE_OR_NEGLECT, text, match, 200, 200):
            return None  # weight loss alone is a health matter
        if name == "food_withheld" and _STAFF_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            return None  # "the school won't let him eat in the hall"
        return pattern.score


_STAFF_NEAR = re.compile(r"\b(?:senco|teacher|school|council|case\s?worker|officer|worker|head|headteacher|gp|doctor|la|sendiass|office|"
                         r"coordinator|nurse|paediatrician|consultant|manager|he\s?t|tutor|taxi|driver|escort)\b", re.I)
_DOCUMENT_NEAR = re.compile(r"\b(?:plan|paperwork|form|forms|letter|report|ehcp|file|email|e-mail|documents?|evidence|bag|coat|phone|shoes?|"
                            r"book|books|homework|lunch|money|keys|section|page|pages|appendix|provision|hours|funding|jumper|blazer|"
                            r"uniform|glasses|bottle|tablet|ipad|laptop|parcel|post)\b", re.I)


# "missing school", "missing out", "missing his dad": not a missing child. Allowed after "missing":
# punctuation, the end, or time words ("since Friday", "for 2 days", "again", "overnight").
_NOT_MISSING_AFTER = re.compile(
    r"\s+(?!(?:since|for|again|and|now|overnight|all|to\s+(?:the\s+)?police|from\s+(?!(?:the\s+|his\s+|her\s+|their\s+|my\s+)?(?:plan|ehcp|report|section|file|paperwork|letter|list|draft|forms?|documents?|register|records?)\b)|last|this|yesterday|today|tonight|"
    r"at\s+the\s+moment|but|so|i|we|he|she|they|please|help|-)\b)[a-z]", re.I)
_PERSON_BEFORE = re.compile(r"\b(?:he|she|they|him|her|son|daughter|child|kid|kids|boy|girl|lad|teen|teenager|grandson|"
                            r"granddaughter|stepson|stepdaughter)\b|\b(?:he|she|they)'", re.I)
_CAP_WORD = re.compile(r"\b[A-Z][a-z]+\b")


def _person_before(window: str) -> bool:
    """A pronoun, a child noun or a plausible name in ``window`` (the words before a missing-child phrase)."""
    return _PERSON_BEFORE.search(window) is not None or any(_is_name_word(w) for w in _CAP_WORD.findall(window))
_FIRST_PERSON_BEFORE = re.compile(r"\b(?:i|i've|we|we've|i\s+have|we\s+have)\s*$", re.I)


# What turns "took our daughter" into a possible abduction.
_ABDUCTION_CUE = re.compile(r"\b(?:where|abroad|overseas|out\s+of\s+the\s+country|back|returned|police|missing|passport|no\s+idea|hiding|disappeared|contact)\b", re.I)
_FAMILY_PERSON = re.compile(r"\b(?:ex|ex-\w+|partner|husband|wife|dad|father|mum|mam|mother|family|taken|took|kids?|child(?:ren)?|son|daughter|baby|boy|girl|he|she)\b", re.I)
_SUBJECT = re.compile(r"\b(?:i|we|im|he|she|they|you|ex|dad|mum|mam|father|mother|family|partner|husband|wife|grandparents|relatives|"
                      r"man|men|bloke|guy|stranger|someone|somebody|woman|van|people|adult|lads)\b", re.I)


def _first_person_subject(text: str, pos: int) -> bool:
    """True if the nearest subject before ``pos`` (same sentence, 50 chars) is "I"/"we": "can we take them abroad"."""
    window = re.split(r"[.!?\n]", text[max(0, pos - 50): pos])[-1]
    subjects = _SUBJECT.findall(window)
    return bool(subjects) and subjects[-1].lower() in ("i", "we", "im")
_HOLIDAY = re.compile(r"\b(?:holidays?|hols|trips?|half[- ]term|summer|visit(?:ing)?|term[- ]time|christmas|easter|vacation|break|week|weeks|fortnight)\b", re.I)


class MissingChildRecognizer(RiskRecognizer):
    """A child who is missing: "hasn't been home since Friday", "has run away", "gone missing",
    "has been missing from his college", "can't find my son", "not answering his phone"; or
    abducted by family: "has taken our daughter and won't tell me where", "won't bring them back",
    "take her abroad" (not a family holiday)."""

    type = "missing_child"
    patterns = _lexicon(
        ("not_home", r"\b(?:hasn'?t|has\s+not|hasnt|haven'?t|have\s+not|not|never|didn'?t|did\s+not|still\s+not|isn'?t|wasn'?t)\s+(?:been|come|came|got|gotten|returned|"
                     r"been\s+back|come\s+back|came\s+back)\s+(?:back\s+)?home\b(?:\s+(?:since\s+(?:last\s+)?[\w']+|for\s+(?:\w+\s+)?(?:hours|days|nights|a\s+day|a\s+night)|"
                     r"all\s+night|last\s+night|yet|from\s+school|after\s+school))?", 0.85, ('home',)),
        ("not_back", r"\b(?:hasn'?t|has\s+not|hasnt|haven'?t|have\s+not|didn'?t|did\s+not|never|still\s+not|not)\s+(?:come|came|been)\s+back\b"
                     r"(?!\s+(?:to|with|about|on|from\s+(?:the\s+)?(?:council|school|la|senco)))(?:\s+(?:yet|since\s+[\w']+|home|last\s+night))?", 0.7, ("back",)),
        ("run_away", r"(?:\b(?:has|have|had|keeps|kept|tried\s+to|trying\s+to|threaten(?:s|ed|ing)\s+to|always)\s+|)\b(?:run|ran|runs|running)\s+(?:away|off)\b"
                     r"(?!\s+(?:with\s+the\s+idea|from\s+the\s+(?:problem|issue|question)))", 0.75, ('run', 'ran')),
        ("gone_missing", r"\b(?:gone|went|go|goes|going|is|was|'s|been|has\s+been|reported\s+(?:him|her|them|my\s+\w+)?\s*)\s*missing\b|\bmissing\s+(?:since|for\s+(?:\d+|two|three|a\s+few)\s+(?:hours|days|nights))\b|\bmissing\s+person\b", 0.8, ('missing',)),
        ("cant_find", r"\b(?:can'?t|cannot|can\s+not|couldn'?t|could\s+not|unable\s+to)\s+find\s+(?:my\s+" + _KID_MOD + _KID + r"|him|her|them)\b(?!\s+(?:a|an|any|the\s+right)\s)(?!'s)|"
                      r"\b(?:don'?t|do\s+not|no\s+idea|not\s+sure)\s+(?:know\s+)?where\s+(?:he|she|they|my\s+" + _KID + r")\s+(?:is|are|'s|has\s+gone|went)\b", 0.8, ('find', 'where')),
        ("not_answering", r"\b(?:not|isn'?t|is\s+not|hasn'?t\s+been|won'?t\s+be|stopped|keeps\s+not)\s+answering\s+(?:his|her|their)\s+(?:phone|mobile|calls|texts|messages)\b|"
                          r"\b(?:his|her|their)\s+phone\s+(?:is|'s|has\s+been)\s+(?:off|switched\s+off|going\s+straight\s+to\s+voicemail)\b", 0.7, ('answering', 'phone')),
        ("police_looking", r"\bpolice\s+are\s+(?:out\s+)?(?:looking|searching)\s+for\s+(?:him|her|them|my)\b|\bcalled\s+the\s+police\s+(?:because|as|cause|cos)\s+(?:he|she|they|my\s+\w+)\s+(?:is|was|has|hasn|didn|ran|went)", 0.85, ('police',)),
        ("run_from_home", r"\b(?:run|ran|runs|running|runaway)\s+away\s+from\s+(?:home|care|(?:his|her|their|the|my)\s+(?:foster\s+(?:placement|home|carers?|family|parents?)|home|placement|foster|carers?|care\s+home|unit|residential|"
                          r"children'?s\s+home|hostel|supported\s+living))\b", 0.8, ('away',)),
        ("not_seen", r"\b(?:hasn'?t|has\s+not|haven'?t|have\s+not|not)\s+been\s+seen\s+(?:since|for)\b|"
                     r"\b(?:nobody|no\s+one|noone|no-one|none\s+of\s+us)\s+(?:has|have|'s|had)\s+(?:seen|heard\s+from)\s+(?:him|her|them|my\s+\w+)\s+(?:since|for|in)\b|"
                     r"\bwhereabouts\s+(?:are\s+)?unknown\b", 0.8, ('seen', 'heard', 'whereabouts')),
        # Parental / family abduction (Child Abduction Act; forced marriage abroad).
        ("abducted", r"\b(?:kidnap(?:ped|ping|s)?|abduct(?:ed|ion|ing|s)?)\b|\bsnatch(?:ed|ing)?\s+(?:my|our|the)\s+" + _KID + r"\b", 0.8, ('kidnap', 'abduct', 'snatch')),
        ("wont_say_where", r"\b(?:won'?t|wont|will\s+not|refus(?:es|ed|ing)\s+to|doesn'?t|didn'?t|hasn'?t|not)\s+(?:tell|told|say|said|let\s+me\s+know)\s+(?:me\s+|us\s+|anyone\s+)?"
                           r"where\s+(?:he|she|they|my\s+\w+|our\s+\w+|the\s+(?:kids|children|baby))\s+(?:is|are|'s|'re|has\s+(?:taken|gone)|have\s+(?:gone|taken)|went|were|was|"
                           r"took|has\s+got|lives?|living|staying)\b(?!\s+(?:up\s+to|with\s+(?:the|my|his|her|it)|at\s+with|on\s+with|in\s+the\s+(?:process|queue|list)))", 0.8, ('where',)),
        ("taken_child", r"\b(?:taken|took|run\s+off\s+with|ran\s+off\s+with|disappeared\s+with|gone\s+off\s+with|kept|keeping|keeps)\s+(?:our|my|the)\s+" + _KID + r"\b", 0.75,
         ('taken', 'took', 'with', 'kept', 'keep')),
        ("not_returned", r"\b(?:won'?t|wont|will\s+not|refus(?:es|ed|ing)\s+to|hasn'?t|has\s+not|didn'?t|did\s+not|never|not)\s+(?:give|bring|send|return|hand|brought|returned|given|sent)"
                         r"(?:ing)?\s+(?:him|her|them|my\s+\w+|our\s+\w+|the\s+(?:kids|children|baby))\s+back\b(?!\s+(?:his|her|their|the|a|an|my|any|to\s+school)\b)|"
                         r"\b(?:hasn'?t|has\s+not|didn'?t|did\s+not|never)\s+(?:returned|brought\s+back|given\s+back)\s+(?:him|her|them|my\s+\w+|our\s+\w+|the\s+(?:kids|children|baby))\b"
                         r"(?:\s+(?:after|from)\s+(?:contact|the\s+weekend|his|her|the\s+visit))?", 0.8, ('back', 'returned')),
        ("taken_abroad", r"\b(?:tak(?:e|es|ing)|took|taken|fly|flying|flown|flew|mov(?:e|es|ing|ed)|send(?:ing|s)?|sent|smuggl\w+)\s+(?:him|her|them|the\s+(?:kids|children|baby)|my\s+\w+|our\s+\w+)\s+"
                         r"(?:(?:to|back\s+to)\s+(?:\w+\s+){0,4}?)?(?:abroad|out\s+of\s+the\s+country|overseas)\b", 0.75, ('abroad', 'country', 'overseas')),
        ("disappeared", r"\b(?:he|she|they|he'?s|she'?s|they'?ve|son|daughter|child|kid|boy|girl|lad)\s+(?:has\s+|have\s+|had\s+)?(?:just\s+)?(?:disappeared|vanished)\b"
                        r"(?!\s+(?:into|in\s+(?:his|her|their)\s+(?:room|bedroom)|upstairs|off\s+to|to\s+(?:his|her|their)\s+room|behind|under))|"
                        r"\b(?:he|she|they)(?:'s|'ve|\s+has|\s+have)\s+been\s+gone\s+(?:since|for\s+(?:\w+\s+)?(?:hours|days|nights|a\s+day|a\s+night|ages))\b", 0.8, ('disappeared', 'vanished', 'gone')),
        ("never_see_again", r"\b(?:i'?ll|i\s+will|you'?ll|you\s+will|we'?ll|i'?d|never|won'?t\s+ever)\s+(?:never\s+)?see\s+(?:them|him|her|the\s+(?:kids|children|baby)|my\s+\w+|our\s+\w+)\s+again\b|"
                            r"\bthreaten(?:s|ed|ing)?\s+to\s+(?:take|snatch|run\s+off\s+with|disappear\s+with)\s+(?:the\s+(?:kids|children|baby)|them|him|her|my\s+\w+|our\s+\w+)\b", 0.75, ('again', 'threaten')),
        ("absconded", r"\b(?:abscond(?:ed|s|ing)|left\s+(?:the\s+)?school\s+(?:grounds|site)\s+(?:on\s+(?:his|her)\s+own|without)|walked\s+out\s+of\s+school\s+(?:and|without))\b", 0.7, ('abscond', 'school')),
    )

    def validate(self, match, text, pattern):
        window_start = max(0, match.start() - 40)
        before = text[window_start: match.start()]
        if pattern.name == "not_back" and (not _person_before(before[-40:]) or _STAFF_NEAR.search(before[-40:]) or _DOCUMENT_NEAR.search(before[-30:])):
            return None  # "the council hasn't come back to me", "the report hasn't come back"
        if pattern.name == "gone_missing":
            # "the paperwork has gone missing" / "section F is missing" are about documents, not children
            if _DOCUMENT_NEAR.search(before[-25:]) or _NOT_MISSING_AFTER.match(text, match.end()):
                return None
            if not _person_before(before[-30:] + match.group(0)):
                return None
        if pattern.name == "not_answering" and _STAFF_NEAR.search(before):
            return None
        if pattern.name == "not_home" and _FIRST_PERSON_BEFORE.search(before[-15:]):
            return None  # "I haven't been home all day" is the writer, not a missing child
        if pattern.name == "never_see_again" and _STAFF_BEFORE.search(text, max(0, match.start() - 50), match.start()):
            return None  # "social services threatened to take the kids"
        if pattern.name == "taken_child" and not _near(_ABDUCTION_CUE, text, match, 60, 200):
            return None  # "my ex took our son to the park"
        if pattern.name == "wont_say_where" and not _near(_FAMILY_PERSON, text, match, 160, 60):
            return None  # "the office won't tell me where they are with the assessment"
        if pattern.name == "taken_abroad":
            if _first_person_subject(text, match.start()) or _near(_HOLIDAY, text, match, 80, 80):
                return None  # "can we take the kids abroad in term time?"
        if pattern.name == "run_away":
            if not _person_before(before[-30:]):
                return None  # "the bus ran off without him"
            after = text[match.end(): match.end() + 25]
            if re.match(r"\s+(?:with|from)\s+(?:the\s+)?(?:idea|problem|issue|question|money|dog|cat)\b", after):
                return None
            if re.match(r"[^.!?\n]{0,40}?\bfor\s+(?:\d+|a\s+few|a\s+couple\s+of|two|five|ten|a)\s+(?:secs?|seconds?|mins?|minutes?|moments?)\b",
                        text[match.end(): match.end() + 70]):
                return None  # "ran off in the supermarket for 2 mins": a brief bolt, not a missing child
        return pattern.score


# Around a weapon: a school/children/staff target and an intent make it a threat.
_THREAT_TARGET = re.compile(r"\b(?:schools?|college|nursery|academy|playground|classroom|kids|children|pupils|students|teachers?|staff|senco|head|headteacher|"
                            r"office|offices|council|sendiass|you\s+lot|them\s+all|everyone|that\s+place|this\s+place|school\s+gates?)\b", re.I)
_THREAT_INTENT = re.compile(r"\b(?:i'?m\s+going|im\s+going|i\s+am\s+going|going\s+to|gonna|i'?ll|ill|i\s+will|swear|see\s+what\s+happens|watch\s+(?:this|me|what)|"
                            r"next\s+time|coming\s+for|come\s+for|be\s+sorry|regret|pay\s+for|deserve|teach|sort\s+(?:them|it|this)\s+out|take\s+(?:them|it|him|her)\s+out|"
                            r"mark\s+my\s+words|you'?ll\s+see|they'?ll\s+see|last\s+warning)\b", re.I)
_WEAPON_BENIGN = re.compile(r"\b(?:knife\s+(?:crime|awareness|skills|and\s+fork)|butter\s+knife|cutlery|food\s+tech|cooking|cook|chop\w*|spread\w*|nerf|toy|water\s+gun|"
                            r"glue\s+gun|hot\s+glue|staple\s+gun|lego|fortnite|minecraft|game|gaming)\b", re.I)
# Where children are: what a stranger's watching/filming is aimed at.
_CHILD_PLACE = re.compile(r"\b(?:kids|children|child|pupils|students|girls|boys|him|her|them|my\s+\w+|schools?|gates?|playground|park|nursery|minibus(?:es)?|bus\s+stop|"
                          r"school\s+bus|college|home\s+from\s+school|on\s+the\s+way)\b", re.I)
# A known adult in a caring or professional role: not a stranger concern ("the taxi driver parked outside").
_KNOWN_ROLE = re.compile(r"\b(?:taxi|driver|escort|transport|teachers?|ta|staff|senco|council|photographer|husband|wife|partner|dad|mum|mam|nan|grandad|grandma|"
                         r"carer|support\s+worker|social\s+worker|therapist|ot|police|officer)\b[^.!?\n]*$", re.I)
# Filming/recording by the setting itself or a professional is not a stranger concern.
_OFFICIAL_FILMING = re.compile(r"\b(?:nativity|sports\s+day|assembly|show|concert|performance|for\s+(?:the\s+)?(?:assessment|evidence|report|ehcp|paediatrician|therapist|camhs)|"
                               r"consent|gdpr|permission|the\s+school\s+(?:is|are|was|were)\s+(?:filming|recording)|ot\s+|speech\s+therap\w*|cctv)\b", re.I)


class ThreatToChildrenRecognizer(RiskRecognizer):
    """Threats to harm children or a school: "I'm going to hurt those kids", "bring a knife to
    school", "shoot up the school", "set fire to the next school", a weapon named with a school
    target and an intent ("going to that school with a knife and they'll see"), a child carrying a
    weapon; and suspicious adults around children (filming them, loitering outside a school,
    offering lifts, following them home)."""

    type = "threat_to_children"
    patterns = _lexicon(
        ("going_to_hurt_kids", r"\b(?:i'?m|i\s+am|im|i\s+will|i'?ll|ill|i\s+want\s+to|i\s+wanna|i'?m\s+gonna|gonna|going\s+to|i\s+swear\s+i'?ll|someone\s+should)\s+"
                               r"(?:going\s+to\s+|gonna\s+|go\s+and\s+|come\s+and\s+|come\s+down\s+and\s+)?(?:hurt|kill|stab|shoot|batter|beat\s+up|attack|strangle|"
                               r"punch|slap|knock\s+out)\s+(?:those|these|the|them|that|your|their|all|every|some|one\s+of\s+(?:those|the|your))?\s*"
                               r"(?:\w+\s+)?(?:kids?|children|child|pupils?|students?|brats?|teachers?|staff|school|little\s+\w+)\b", 0.85, ('hurt', 'kill', 'stab', 'shoot', 'batter', 'beat', 'attack', 'strangle', 'punch', 'slap', 'knock')),
        ("kill_him", r"\b(?:i'?ll|i\s+will|i'?m\s+going\s+to|i'?m\s+gonna|gonna)\s+(?:kill|stab|batter|strangle|smash\s+(?:his|her)\s+face\s+in|knock\s+(?:him|her)\s+out)\s+(?:him|her|them)\b", 0.6, ('kill', 'stab', 'batter', 'strangle', 'smash', 'knock')),
        ("weapon_school", r"\b(?:bring(?:s|ing)?|brought|take|taking|took|carry(?:ing)?|have|has|had)\s+(?:a\s+|my\s+|his\s+|her\s+)?(?:knife|knives|gun|weapon|blade|machete|bomb)\s+"
                          r"(?:(?:in|into|to|in\s+to)\s+(?:school|class|college|the\s+school|the\s+playground)\b|in\b(?=\s*(?:[.,!]|$|to\b|tomorrow|on\b)))", 0.9, ('knife', 'knives', 'gun', 'weapon', 'blade', 'machete', 'bomb')),
        ("shoot_up", r"\bshoot(?:ing)?\s+up\s+(?:the|this|that|a|your|his|her)?\s*(?:school|class|college|playground|place)\b|\bshoot\s+up\b|\bschool\s+shoot(?:ing|er)\b|"
                     r"\b(?:blow(?:ing)?\s+up|bomb(?:ing)?|burn(?:ing)?\s+down|set\s+fire\s+to)\s+(?:the|this|that|your)?\s*(?:school|college|nursery|classroom)\b|"
                     r"\bburn\s+(?:the|this|that|your)\s+(?:school|college|nursery)\s+down\b|"
                     r"\b(?:school|college|nursery)\s+(?:needs|deserves|ought|should)\s+(?:to\s+)?(?:be\s+)?(?:burn(?:ing|ed|t)\s+down|blown\s+up|bombed|torched)\b", 0.85, ('shoot', 'blow', 'bomb', 'burn', 'fire', 'torch')),
        ("deserve", r"\b(?:kids|children|pupils|brats|that\s+(?:kid|boy|girl|child)|those\s+(?:kids|boys|girls|children))\s+(?:deserves?|need(?:s)?|should|ought\s+to)\s+"
                    r"(?:a\s+(?:good\s+)?(?:beating|slap|smack|hiding|kicking)|to\s+(?:die|be\s+(?:shot|hurt|killed|beaten))|(?:be\s+)?(?:shot|killed|hurt|beaten))\b", 0.8, ('deserve', 'need', 'should', 'ought')),
        ("teach_lesson", r"\b(?:teach|sort)\s+(?:that|those|the|them)\s+(?:[\w']+\s+)?(?:kid|kids|boy|boys|girl|girls|child|children|brat|brats|little\s+\w+)\s+(?:a\s+lesson|out)\b|"
                         r"\bwait(?:ing)?\s+(?:for\s+(?:him|her|them|that\s+\w+)\s+)?(?:outside|at)\s+(?:the\s+)?(?:school\s+)?gates?\s+(?:for|to)\s+(?:him|her|them|that|sort|get|deal)\b", 0.7, ('teach', 'sort', 'wait')),
        # Arson / bomb threats against a school or setting, with any determiner ("the next SEN school").
        ("arson", r"\b(?:set(?:ting)?\s+fire\s+to|burn(?:ing)?\s+down|torch(?:ing)?|petrol[- ]?bomb(?:ing)?|fire[- ]?bomb(?:ing)?|blow(?:ing)?\s+up|bomb(?:ing)?)\s+"
                  r"(?:(?:the|this|that|your|a|an|their|his|her|every|next|one\s+of\s+(?:the|your|those))\s+)?(?:[\w']+\s+){0,2}?"
                  r"(?:schools?|college|nursery|classroom|academy|playground|unit|minibus|school\s+bus)\b|"
                  r"\bset(?:ting)?\s+(?:the|that|this|your|their)\s+(?:[\w']+\s+)?(?:school|college|nursery|classroom|building)\s+(?:on\s+fire|alight|ablaze)\b|"
                  r"\bburn(?:ing)?\s+(?:the|that|this|your|their)\s+(?:[\w']+\s+)?(?:school|college|nursery|academy|classroom)\s+(?:down|to\s+the\s+ground)\b|"
                  r"\b(?:bomb|explosives?|device)\s+(?:in|at|inside|under)\s+(?:the|that|this|your|their)\s+(?:\w+\s+)?(?:school|college|nursery|classroom)\b", 0.85,
         ('fire', 'burn', 'torch', 'bomb', 'blow', 'explosive', 'device')),
        # A weapon named with a school/children target and an intent ("going to that school with a knife
        # and they'll see what happens"). Target and intent are looked for around the weapon.
        ("weapon_intent", r"\b(?:knife|knives|blade|machete|zombie\s+knife|gun|shotgun|rifle|pistol|axe|hammer|crossbow|petrol|acid|bomb|baseball\s+bat|weapon)\b"
                          r"(?!\s+(?:crime|awareness|and\s+fork|skills|safety|amnesty|arch|wound))", 0.8,
         ('knife', 'knives', 'blade', 'machete', 'gun', 'rifle', 'pistol', 'axe', 'hammer', 'crossbow', 'petrol', 'acid', 'bomb', 'bat', 'weapon')),
        ("carrying_weapon", r"\b(?:carr(?:y|ies|ying|ied)|found|finding|hiding|hides|hid|keeps?|bought|buying|pulled|pulls|waving|waved|brandish(?:ed|ing)?)\s+"
                            r"(?:a\s+|an\s+|the\s+)?(?:zombie\s+|flick\s+|lock\s+|kitchen\s+|big\s+)?(?:knife|knives|blade|machete|gun|weapon)\b"
                            r"(?:\s+(?:on\s+(?:him|her|them)|in\s+(?:his|her|their|my\s+\w+'?s?)\s+(?:school\s+)?(?:bag|pocket|room|coat|bedroom|drawer|wardrobe|blazer)|to\s+school|around|for\s+protection|with\s+(?:him|her)|at\s+(?:me|us|him|her|them)))|"
                            r"\bthreaten(?:s|ed|ing)?\s+(?:me|us|him|her|them|my\s+\w+|his\s+\w+|her\s+\w+)\s+with\s+(?:a|an|the|his|her)\s+(?:\w+\s+)?(?:knife|knives|blade|machete|gun|weapon|hammer|axe|bat)\b|"
                            r"\bpulled\s+(?:a|an)\s+(?:knife|blade|gun|machete)\s+on\b", 0.8, ('knife', 'knives', 'blade', 'machete', 'gun', 'weapon', 'hammer', 'axe', 'bat')),
        ("know_where_kids", r"\bi\s+know\s+where\s+(?:your|their|his|her|the|those)\s+(?:kids|children|son|daughter|boy|girl)\s+(?:go\s+to\s+school|live|lives|are)\b", 0.8, ('know where',)),
        # A suspicious adult watching, filming, following or approaching children (stranger concern).
        ("suspicious_adult", r"\b(?:film(?:s|ed|ing)?|record(?:s|ed|ing)?|photograph(?:s|ed|ing)?|(?:tak(?:e|es|ing)|took)\s+(?:photos|pictures|pics|videos)\s+of|"
                             r"loiter(?:s|ed|ing)?|lurk(?:s|ed|ing)?|hang(?:s|ing)?\s+(?:around|about)|hung\s+(?:around|about)|"
                             r"parked\s+(?:up\s+)?(?:outside|near|by|opposite|at)|park(?:s|ing)?\s+(?:up\s+)?(?:outside|near|by|opposite)|"
                             r"sit(?:s|ting)?\s+(?:in\s+(?:a|his|her|the)\s+(?:car|van)\s+)?(?:outside|near|opposite)|sat\s+(?:in\s+(?:a|his|her|the)\s+(?:car|van)\s+)?(?:outside|near|opposite)|"
                             r"watch(?:es|ed|ing)\s+(?:the\s+)?(?:kids|children|pupils|girls|boys)\s+(?:from|through|outside|over|at\s+the\s+(?:gates?|fence))|"
                             r"follow(?:s|ed|ing)\s+(?:him|her|them|my\s+\w+|the\s+(?:kids|children|girls|boys))(?:\s+home|\s+from\s+school|\s+to\s+school)?|"
                             r"approach(?:es|ed|ing)\s+(?:him|her|them|my\s+\w+|kids|children|the\s+(?:kids|children|girls|boys|pupils))|"
                             r"(?:approached|followed|stopped|grabbed)\s+by\s+(?:a|an|some|this|two|three|an?\s+older|some\s+older)\s+(?:\w+\s+)?(?:man|men|bloke|blokes|guy|guys|stranger|strangers|adult|adults|woman|lads)|"
                             r"offer(?:s|ed|ing)?\s+(?:him|her|them|my\s+\w+|kids|children|the\s+(?:kids|children|girls|boys))\s+(?:a\s+)?(?:lifts?|rides?|sweets|money|vapes?|cigarettes|drugs|weed|alcohol)|"
                             r"ask(?:s|ed|ing)?\s+(?:him|her|them|my\s+\w+|kids|children|the\s+(?:kids|children|girls|boys))\s+to\s+(?:come\s+(?:to|back\s+to|round\s+to|over\s+to|in(?:to)?)\s+his|"
                             r"get\s+in(?:to)?\s+(?:his|the|a)\s+(?:car|van)|go\s+(?:off\s+)?with\s+him|meet\s+(?:him|up))|"
                             r"tr(?:y|ied|ies|ying)\s+to\s+(?:lure|grab|take|entice|coax|get)\s+(?:him|her|them|my\s+\w+|kids|children|the\s+(?:kids|children|girls|boys))"
                             r"(?:\s+(?:into|in)\s+(?:his|her|a|the)\s+(?:car|van|house|flat))?)\b", 0.75,
         ('film', 'record', 'photograph', 'photos', 'pictures', 'pics', 'videos', 'loiter', 'lurk', 'around', 'about', 'park', 'sit', 'sat', 'watch', 'follow', 'approach', 'offer', 'tr', 'ask',
          'stopped by', 'grabbed by')),
    )

    def validate(self, match, text, pattern):
        name = pattern.name
        if name == "weapon_intent":
            if not (_near(_THREAT_TARGET, text, match, 120, 120) and _near(_THREAT_INTENT, text, match, 120, 120)):
                return None  # "he cut his finger on a knife at school"
            if _near(_WEAPON_BENIGN, text, match, 40, 40):
                return None
        if name == "suspicious_adult":
            if not _near(_UNKNOWN_ADULT, text, match, 140, 40) or not _near(_CHILD_PLACE, text, match, 40, 120):
                return None  # the school filming the nativity; "my son follows her everywhere"
            if _near(_OFFICIAL_FILMING, text, match, 120, 80) or _first_person_subject(text, match.start()):
                return None
            if not match.group(0).lower().startswith(("approached by", "followed by", "been approached", "been followed")) and \
                    _KNOWN_ROLE.search(text, max(0, match.start() - 60), match.start()):
                return None  # "the taxi driver parked outside the school"
        return pattern.score


# ---------------------------------------------------------------------------------------------------
# Registry and the detect() entry point
# ---------------------------------------------------------------------------------------------------

_CHILD_NAME = ChildNameRecognizer()

REGISTRY: list[Recognizer] = [
    PhoneRecognizer(),
    EmailRecognizer(),
    PostcodeRecognizer(),
    AddressRecognizer(),
    DateOfBirthRecognizer(),
    NhsNumberRecognizer(),
    PersonNameRecognizer(),
    _CHILD_NAME,
    ChildAgeSchoolRecognizer(),
    ChildAgeRecognizer(),
    FamilySendDetailRecognizer(),
    FamilyCircumstancesRecognizer(),
    SelfHarmRecognizer(),
    AbuseRecognizer(),
    DomesticViolenceRecognizer(),
    NeglectRecognizer(),
    MissingChildRecognizer(),
    ThreatToChildrenRecognizer(),
]

DISCLOSURE_TYPES: frozenset[str] = frozenset(r.type for r in REGISTRY if r.category == DISCLOSURE)
RISK_TYPES: frozenset[str] = frozenset(r.type for r in REGISTRY if r.category == RISK)

# When two detections of different types overlap within a category, the key type makes the value
# types redundant: "my 14 year old at Beaumont Leys school" is a child_age_school, not also a child_age.
_SUBSUMES: dict[str, frozenset[str]] = {
    "child_age_school": frozenset({"child_age"}),
    "address": frozenset({"child_age"}),
}
# Types that compete for the same evidence: keep the higher score (a 10-digit number is a phone or
# an NHS number, not both).
_COMPETING: frozenset[frozenset[str]] = frozenset({frozenset({"phone", "nhs_number"})})


def _overlap(a: Detection, b: Detection) -> bool:
    return a.start < b.end and b.start < a.end


def _better(a: Detection, b: Detection) -> bool:
    """True if ``a`` should be kept over ``b`` (longer evidence, then higher score)."""
    return (a.end - a.start, a.score) > (b.end - b.start, b.score)


def _merge(detections: list[Detection]) -> list[Detection]:
    """Drop duplicates: per category, overlapping detections of the same (or competing) type keep
    the longer/higher-scored one; a subsumed type overlapping its more specific type is dropped.
    Different types that merely overlap are all kept (they say different things)."""
    # One sweep in start order. A kept detection can only overlap the ones still "open" (ending after
    # the current start), so each new detection is compared with the open detections of its category,
    # in the order they were kept, instead of with everything kept so far (which made many findings
    # quadratic). Same decisions as comparing with every kept detection: the others cannot overlap.
    kept: list[Detection] = []
    dropped: set[int] = set()  # indexes into kept
    open_: dict[str, list[int]] = {}  # category -> indexes into kept, in the order kept
    for d in sorted(detections, key=lambda x: (x.start, -(x.end - x.start), -x.score)):
        active = [i for i in open_.get(d.category, ()) if i not in dropped and kept[i].end > d.start]
        drop_new = False
        for i in active:
            k = kept[i]
            if k.type == d.type:
                if _better(d, k):
                    dropped.add(i)
                else:
                    drop_new = True
            elif frozenset({k.type, d.type}) in _COMPETING:
                if d.score > k.score:
                    dropped.add(i)
                else:
                    drop_new = True
            elif d.type in _SUBSUMES.get(k.type, ()):
                drop_new = True
            elif k.type in _SUBSUMES.get(d.type, ()):
                dropped.add(i)
            if drop_new:
                break
        active = [i for i in active if i not in dropped]
        if not drop_new:
            active.append(len(kept))
            kept.append(d)
        open_[d.category] = active
    return sorted((k for i, k in enumerate(kept) if i not in dropped), key=lambda x: (x.start, x.end, x.type))


def detect(text: str, categories: Iterable[str] | None = None) -> list[Detection]:
    """Run every recognizer (or those of the given ``categories``) over ``text``.

    Returns detections sorted by start offset, with overlapping detections of the same category
    merged as described in :func:`_merge`.
    """
    if not text or not text.strip():
        return []
    wanted = None if categories is None else frozenset(categories)
    found: list[Detection] = []
    for recognizer in REGISTRY:
        if wanted is not None and recognizer.category not in wanted:
            continue
        found.extend(recognizer.find(text))
    return _merge(found)
