"""The approved reply library (responses/library.yml): the one source of reply text.

Replies are selected by route, channel and topic and rendered with the service profile's values.
Nothing here ever inserts text from the incoming message.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.profile import ROOT, load_profile

CHANNELS = ("public_comment", "direct_message")
# Routes that get no automatic reply at all on a channel (a person decides).
SILENT = {("abuse", "public_comment"), ("abuse", "direct_message"), ("handoff", "public_comment")}


@dataclass(frozen=True)
class Reply:
    id: str
    version: int
    route: str
    channel: str
    topic: str | None
    text: str  # rendered with the service profile

    def ref(self) -> str:
        return f"{self.id}@v{self.version}"


def library_path() -> Path:
    return Path(os.environ.get("SENDIASS_RESPONSES", ROOT / "responses" / "library.yml"))


def _render(template: str) -> str:
    return " ".join(template.format(**load_profile().as_template_values()).split())


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[tuple[Reply, ...], dict[str, str], dict[str, str]]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    replies = tuple(
        Reply(
            id=r["id"],
            version=int(r["version"]),
            route=r["route"],
            channel=r.get("channel", "any"),
            topic=r.get("topic"),
            text=_render(r["text"]),
        )
        for r in raw["replies"]
    )
    ids = [r.id for r in replies]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: reply ids must be unique")
    snippets = {key: _render(s["text"]) for key, s in (raw.get("snippets") or {}).items()}
    notices = {key: _render(s["text"]) for key, s in (raw.get("notices") or {}).items()}
    return replies, snippets, notices


def all_replies() -> tuple[Reply, ...]:
    return _load(str(library_path()))[0]


def snippet(key: str) -> str:
    """An approved sentence the guard uses to build a safe rewrite."""
    return _load(str(library_path()))[1][key]


def notice(key: str) -> str:
    """An approved notice a channel sends that is not an answer (e.g. Telegram's /start)."""
    return _load(str(library_path()))[2][key]


def select(route: str, channel: str = "public_comment", topic: str | None = None) -> Reply | None:
    """The approved reply for a route on a channel, or None when the route gets no reply there."""
    if (route, channel) in SILENT:
        return None
    candidates = [r for r in all_replies() if r.route == route and r.channel in (channel, "any")]
    # The reply written for this topic, else the route's general one, else any of the route's.
    matching = ([r for r in candidates if r.topic == topic] or [r for r in candidates if r.topic is None]
                or candidates)
    # Prefer the variant written for this channel over the shared one.
    matching.sort(key=lambda r: r.channel != channel)
    return matching[0] if matching else None
