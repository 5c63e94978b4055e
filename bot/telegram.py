"""Telegram: the automatic first response to direct messages, human handoff and staff alerts.

One python-telegram-bot ``Application``; every handler is registered in ``register_handlers``.

Private chats
    Every text goes through the assistant (Rasa, in-process, one tracker per chat, sender id
    ``telegram:<chat_id>``; the custom actions run in the action server) and the approved reply is
    sent at once, after the policy guard passed it. Before Rasa is asked anything, the deterministic
    detector looks for safeguarding signals; when it finds one the staff chat is alerted at once
    (safety invariant 4), and if Rasa or the action server then fails the person still gets the
    safeguarding signposting (otherwise the holding message), a ticket is opened and staff are told
    the assistant failed.

    Routes: disclosure -> the redirect reply; complaint -> the complaints reply, a ticket, a staff alert;
    handoff -> the holding message, a ticket, a staff alert, and the chat waits for a person (the bot
    stays quiet in it until staff release it); safeguarding -> signposting, a ticket and an urgent
    staff alert, and the chat waits for a person; abuse -> no reply, a ticket and a staff alert for
    moderation. /start and /help answer with the service's About text and disclaimer (service.yml).

Staff chat (SENDIASS_STAFF_CHAT_ID)
    Alerts carry the route, the detection types, the ticket number and the ticket link, never the
    person's message. ``/reply TICKET text`` sends a staff member's answer after the guard checked it
    against the person's last message (when it fails, the findings and a suggested rewrite come back
    instead); ``/release TICKET`` closes the ticket and hands the chat back to the assistant. Only
    members of the staff chat may use them, and only in the staff chat.

Nothing lost, nothing twice
    Updates are fetched by our own long-polling loop (or received on our own webhook handler), not by
    PTB's Updater: each update is stored (key ``telegram:<update_id>``) before it is processed, each
    outgoing text is stored before it is sent, and Telegram is told an update arrived (the next
    getUpdates offset, or the webhook's HTTP answer) only after it was handled. On a restart, handled
    updates are skipped, stored-but-unhandled ones are processed, texts already sent are not sent
    again, and a message Rasa already handled is not handled twice. Telegram errors (429 RetryAfter,
    timeouts, network errors) are retried with bounded back-off.

Configuration: SENDIASS_TELEGRAM_TOKEN, SENDIASS_STAFF_CHAT_ID, SENDIASS_TELEGRAM_BASE_URL (default
Telegram's own), SENDIASS_TICKET_URL (optional, e.g. ``https://crm.example/tickets/{ticket}``),
SENDIASS_TELEGRAM_WEBHOOK_SECRET (webhook mode), SENDIASS_RASA_TIMEOUT, SENDIASS_FLOOD_LIMIT.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import secrets
import signal
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.replies import notice

if TYPE_CHECKING:  # python-telegram-bot, the guard and the store are imported where used: `sendiass` stays quick
    from telegram import InlineKeyboardMarkup, Update
    from telegram.ext import Application, ContextTypes

    from bot import guard
    from bot.store import Store

logger = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
CHANNEL = "direct_message"  # what the assistant and the reply library call a private chat

# Routes that open a ticket, and those after which the chat waits for a person.
TICKET_ROUTES = ("safeguarding", "complaint", "abuse", "handoff")
WAITING_ROUTES = ("safeguarding", "handoff")
ROUTE_TITLES = {"safeguarding": "Safeguarding", "complaint": "Complaint", "abuse": "Abuse (moderation)",
                "handoff": "Handoff"}
STAFF_STATUSES = ("creator", "administrator", "member")  # Telegram's ChatMember statuses

# Telegram retries: at most this many attempts per call, back-off doubling from BACKOFF_FIRST seconds.
MAX_ATTEMPTS = 6
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 8.0
MAX_RETRY_AFTER = 120.0  # a longer 429 wait than this: leave the update for the next round
TELEGRAM_TEXT_LIMIT = 4096


# ---------------------------------------------------------------------------------- texts
# Notices for people writing to the service come from responses/library.yml like every reply, and
# still pass the policy guard before they are sent.

def flood_notice() -> str:
    return notice("notice.flood")


def command_refused_notice() -> str:
    return notice("notice.command_refused")


def about_text() -> str:
    return notice("notice.about")


STAFF_HELP = ("Staff commands in this chat:\n"
              "/reply TICKET text - answer the person on a ticket (checked against the policy first)\n"
              "/release TICKET - close the ticket and hand the chat back to the assistant\n"
              "/draft TEXT - queue a public comment for review with a suggested reply\n"
              "/edit ITEM text - change the reply of a queued item (checked against the policy)\n"
              "/help - this message")

# A Telegram user acts on the review queue as the staff account named after them. Account names allow
# letters, digits, dots, dashes and underscores only (bot.auth.NAME_RX), so "tg-<id>", not "tg:<id>".
REVIEW_ACCOUNT = "tg-{user_id}"


def review_account_name(user_id: int) -> str:
    return REVIEW_ACCOUNT.format(user_id=user_id)


def link_hint(user_id: int) -> str:
    name = review_account_name(user_id)
    return (f"Your Telegram account is not linked to a review account. Ask an administrator to run "
            f"`sendiass user add {name} --role approver` (or --role staff), then try again.")


def _summaries() -> dict[str, str]:
    from actions.actions import SUMMARIES  # the ticket summaries the action server writes

    return SUMMARIES


# ---------------------------------------------------------------------------------- configuration

@dataclass(frozen=True)
class TelegramConfig:
    token: str
    staff_chat_id: int
    base_url: str = TELEGRAM_API
    ticket_url: str | None = None
    webhook_secret: str | None = None
    rasa_timeout: float = 30.0
    poll_timeout: int = 25
    flood_limit: int = 8
    flood_window: float = 60.0

    @classmethod
    def from_env(cls, env: dict | None = None) -> "TelegramConfig":
        env = os.environ if env is None else env
        token = (env.get("SENDIASS_TELEGRAM_TOKEN") or "").strip()
        if not token:
            raise SystemExit("SENDIASS_TELEGRAM_TOKEN is not set: give the token @BotFather issued for the "
                             "service's bot.")
        staff = (env.get("SENDIASS_STAFF_CHAT_ID") or "").strip()
        try:
            staff_chat_id = int(staff)
        except ValueError:
            raise SystemExit("SENDIASS_STAFF_CHAT_ID must be the numeric id of the staff group (e.g. "
                             f"-1001234567890), got {staff!r}. Safeguarding alerts need somewhere to go.")

        def number(name: str, default: float) -> float:
            raw = env.get(name)
            try:
                return float(raw) if raw else default
            except ValueError:
                raise SystemExit(f"{name} must be a number, got {raw!r}")

        return cls(
            token=token, staff_chat_id=staff_chat_id,
            base_url=(env.get("SENDIASS_TELEGRAM_BASE_URL") or TELEGRAM_API).strip(),
            ticket_url=env.get("SENDIASS_TICKET_URL") or None,
            webhook_secret=env.get("SENDIASS_TELEGRAM_WEBHOOK_SECRET") or None,
            rasa_timeout=number("SENDIASS_RASA_TIMEOUT", 30.0),
            poll_timeout=int(number("SENDIASS_TELEGRAM_POLL_TIMEOUT", 25)),
            flood_limit=int(number("SENDIASS_FLOOD_LIMIT", 8)),
        )


# ---------------------------------------------------------------------------------- the assistant (Rasa)

class AssistantFailed(Exception):
    """Rasa or the action server failed on a message; the text says how (for the log and staff)."""


@dataclass
class Turn:
    """What the assistant decided about one message (read back from the tracker)."""
    route: str | None
    disclosure: bool = False
    complaint: bool = False
    needs_human: bool = False
    urgent: bool = False
    reply_id: str | None = None
    ticket_id: int | None = None
    paused: bool = False
    replies: list[str] = field(default_factory=list)
    detections: list[dict] = field(default_factory=list)

    def comment_triage(self) -> dict:
        """What the policy guard needs to know about the message a reply answers (as bot.triage does)."""
        complaint = self.complaint and self.route != "safeguarding"  # signposting is never held back for it
        return {"route": self.route, "disclosure": self.disclosure, "complaint": complaint,
                "detections": self.detections}

    def flags(self) -> dict:
        return {"disclosure": self.disclosure, "complaint": self.complaint, "needs_human": self.needs_human,
                "urgent": self.urgent, "detections": [{k: d[k] for k in ("type", "category", "start", "end")}
                                                      for d in self.detections]}


class Assistant:
    """The Rasa agent in this process: one tracker per chat, custom actions in the action server."""

    def __init__(self, agent, timeout: float = 30.0, marker_key: bytes | None = None):
        self.agent = agent
        self.timeout = timeout
        # Turns this bot hands to Rasa carry a message id signed with a key only the product knows, so the
        # "handled before a restart" shortcut never trusts a turn written through another door.
        self.marker_key = marker_key or secrets.token_bytes(32)

    def signed_id(self, sender_id: str, message_id: str) -> str:
        mac = hmac.new(self.marker_key, f"{sender_id}\x1f{message_id}".encode(), hashlib.sha256).hexdigest()[:32]
        return f"{message_id}:{mac}"

    @classmethod
    def load(cls, model_path: str | Path, endpoints, timeout: float = 30.0) -> "Assistant":
        from rasa.core.agent import Agent
        from rasa.core.lock_store import LockStore
        from rasa.core.tracker_store import TrackerStore

        from bot.auth import product_secret
        from bot.store import Store

        agent = Agent.load(str(model_path), tracker_store=TrackerStore.create(endpoints.tracker_store),
                           lock_store=LockStore.create(endpoints.lock_store), action_endpoint=endpoints.action)
        return cls(agent, timeout, marker_key=product_secret(Store().engine, "telegram_turn_marker"))

    async def turn(self, sender_id: str, text: str, message_id: str) -> Turn:
        """Handle one message; raises AssistantFailed when Rasa or the action server did not do its part."""
        try:
            return await asyncio.wait_for(self._turn(sender_id, text, message_id), self.timeout)
        except asyncio.TimeoutError:
            raise AssistantFailed(f"the assistant did not answer within {self.timeout:g} s")
        except AssistantFailed:
            raise
        except Exception as exc:
            logger.exception("The assistant failed on %s", message_id)
            raise AssistantFailed(f"the assistant failed ({type(exc).__name__})") from exc

    async def _turn(self, sender_id: str, text: str, message_id: str) -> Turn:
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        message_id = self.signed_id(sender_id, message_id)
        tracker = await self.agent.tracker_store.retrieve(sender_id)
        if tracker is not None:
            done = self._find_turn(tracker, message_id)
            if done is not None:  # handled before a restart: don't handle it twice
                return self._checked(done)
            if tracker.is_paused():  # the product's store says the chat is with the bot again
                await self._resume(tracker)
        await self.agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender_id,
                                                    metadata={"channel": CHANNEL}, message_id=message_id))
        tracker = await self.agent.tracker_store.retrieve(sender_id)
        turn = self._find_turn(tracker, message_id) if tracker is not None else None
        if turn is None:
            raise AssistantFailed("the assistant did not record the message")
        return self._checked(turn)

    @staticmethod
    def _checked(turn: Turn) -> Turn:
        if turn.route is None:
            # Rasa logs a failing custom action and carries on without its events.
            raise AssistantFailed("the triage action did not run (is the action server up?)")
        return turn

    @staticmethod
    def _find_turn(tracker, message_id: str) -> Turn | None:
        from rasa.shared.core.events import BotUttered, ConversationPaused, ConversationResumed, SlotSet, UserUttered

        events = list(tracker.events)
        start = next((i for i in range(len(events) - 1, -1, -1)
                      if isinstance(events[i], UserUttered) and events[i].message_id == message_id), None)
        if start is None:
            return None
        slots: dict[str, Any] = {}
        paused = False
        replies: list[str] = []
        for event in events[start + 1:]:
            if isinstance(event, UserUttered):
                break
            if isinstance(event, SlotSet):
                slots[event.key] = event.value
            elif isinstance(event, ConversationPaused):
                paused = True
            elif isinstance(event, ConversationResumed):
                paused = False
            elif isinstance(event, BotUttered) and event.text:
                replies.append(event.text)
        entities = (events[start].parse_data or {}).get("entities") or []
        detections = [{"type": e["entity"], "category": e.get("role"), "start": e["start"], "end": e["end"]}
                      for e in entities if e.get("extractor") == "DisclosureDetector"]
        ticket = slots.get("ticket_id")
        return Turn(route=slots.get("route"), disclosure=bool(slots.get("disclosure")),
                    complaint=bool(slots.get("complaint")), needs_human=bool(slots.get("needs_human")),
                    urgent=bool(slots.get("urgent")), reply_id=slots.get("reply_id"),
                    ticket_id=int(ticket) if ticket is not None else None, paused=paused, replies=replies,
                    detections=detections)

    async def pause(self, sender_id: str) -> None:
        from rasa.shared.core.events import ConversationPaused

        tracker = await self.agent.tracker_store.get_or_create_tracker(sender_id)
        if not tracker.is_paused():
            tracker.update(ConversationPaused())
            await self.agent.tracker_store.save(tracker)

    async def resume(self, sender_id: str) -> None:
        tracker = await self.agent.tracker_store.retrieve(sender_id)
        if tracker is not None:
            await self._resume(tracker)

    async def _resume(self, tracker) -> None:
        """ConversationResumed, then action_listen: a paused turn ended without one, and Rasa's rules
        (every message is triaged) only match a message that follows action_listen."""
        from rasa.shared.core.constants import ACTION_LISTEN_NAME
        from rasa.shared.core.events import ActionExecuted, ConversationResumed

        tracker.update(ConversationResumed())
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await self.agent.tracker_store.save(tracker)


# ---------------------------------------------------------------------------------- the bot

class TransientDeliveryError(Exception):
    """Telegram could not be reached for now; the update stays unfinished and is handled again later."""


@dataclass
class Job:
    """One update being handled: its store keys, and the error a handler raised, if any."""
    update_id: int
    external_id: str
    message_id: int
    received_at: datetime
    error: BaseException | None = None


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


_ATTACHMENT_NAMES = {"photosize": "photo", "videonote": "video note", "paidmediainfo": "paid post"}


def _attachment_kind(message) -> str:
    """What a message carries instead of text, in words: "photo", "voice", "sticker", ..."""
    attachment = message.effective_attachment
    if isinstance(attachment, (list, tuple)):
        attachment = attachment[0] if attachment else None
    if attachment is None:
        return "message"
    name = type(attachment).__name__.lower()
    return _ATTACHMENT_NAMES.get(name, name)


class SafeRepliesBot:
    """Telegram handlers, delivery with retries and the store, around one PTB Application."""

    def __init__(self, config: TelegramConfig, assistant: Assistant, store: Store | None = None):
        from bot.store import Store

        self.config = config
        self.assistant = assistant
        self.store = store or Store()
        self.jobs: dict[int, Job] = {}
        self._handling = asyncio.Lock()
        self._stop: asyncio.Event | None = None
        self.app = build_application(config, self)

    # ------------------------------------------------------------------ updates in

    def describe(self, update: Update) -> dict:
        """Where an update comes from and the text to store for it."""
        chat, user = update.effective_chat, update.effective_user
        message = update.message or update.edited_message
        if update.callback_query is not None:
            text = f"[button] {update.callback_query.data or ''}"
        elif message is not None:
            text = message.text or message.caption or f"[{_attachment_kind(message)}]"
        else:
            text = "[update]"
        if chat is None:
            channel = "telegram"
        elif chat.id == self.config.staff_chat_id:
            channel = "telegram_staff"
        elif chat.type == "private":
            channel = "telegram"
        else:
            channel = "telegram_group"
        return {"channel": channel, "text": text, "chat_id": chat.id if chat else None,
                "conversation_id": f"telegram:{chat.id}" if chat else None,
                "sender": f"telegram:{user.id}" if user else None}

    async def handle_update(self, update: Update) -> None:
        """Store the update, handle it, mark it done. Raises TransientDeliveryError to leave it unfinished."""
        external_id = f"telegram:{update.update_id}"
        where = self.describe(update)
        message_id, status = self.store.receive_update(
            external_id, channel=where["channel"], text=where["text"], conversation_id=where["conversation_id"],
            sender=where["sender"], chat_id=where["chat_id"], payload=json.dumps(update.to_dict()))
        if status != "received":
            logger.info("update %s was handled before (%s); skipped", update.update_id, status)
            return
        received_at = self.store.message(message_id)["created_at"]
        job = self.jobs[update.update_id] = Job(update.update_id, external_id, message_id, received_at)
        try:
            await self.app.process_update(update)
        finally:
            self.jobs.pop(update.update_id, None)
        if isinstance(job.error, TransientDeliveryError):
            raise job.error
        if job.error is not None:
            logger.error("update %s failed: %r", update.update_id, job.error, exc_info=job.error)
            await self.staff_alert(job, "defect", f"The assistant failed on a Telegram update "
                                                 f"({type(job.error).__name__}); see the Telegram log.")
            self.store.finish_update(external_id, "failed")
            return
        self.store.finish_update(external_id, "done")
        logger.info("update %s handled", update.update_id)

    async def recover_unfinished(self) -> None:
        """Handle the updates stored before a crash or restart but never finished."""
        from telegram import Update

        for row in self.store.unfinished_updates():
            update = Update.de_json(json.loads(row["payload"]), self.app.bot)
            logger.info("update %s was stored but not finished; handling it now", update.update_id)
            try:
                async with self._handling:
                    await self.handle_update(update)
            except TransientDeliveryError as exc:
                logger.error("update %s left for later: %s", update.update_id, exc)
                return  # Telegram sends it again (its offset was never passed), or the next start retries

    def job(self, update: Update) -> Job:
        return self.jobs[update.update_id]

    # ------------------------------------------------------------------ texts out

    async def call_telegram(self, what: str, coroutine_factory):
        """Call Telegram with bounded retries on 429, timeouts and network errors."""
        from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

        last: Exception | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await coroutine_factory()
            except (BadRequest, Forbidden, InvalidToken):
                raise  # permanent: retrying cannot help
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                if wait > MAX_RETRY_AFTER:
                    raise TransientDeliveryError(f"Telegram asked to wait {wait:g} s before {what}") from exc
                last, wait = exc, wait + 0.1
            except (TimedOut, NetworkError) as exc:
                last, wait = exc, min(BACKOFF_FIRST * 2 ** (attempt - 1), BACKOFF_MAX)
            logger.warning("Telegram %s failed (attempt %d of %d: %s); trying again in %.1f s",
                           what, attempt, MAX_ATTEMPTS, last, wait)
            await asyncio.sleep(wait)
        raise TransientDeliveryError(f"Telegram did not accept {what} after {MAX_ATTEMPTS} attempts: {last}")

    async def deliver(self, job: Job, key: str, chat_id: int, text: str, *, channel: str, sender: str = "bot",
                      route: str | None = None, reply_id: str | None = None, guard_ok: bool | None = None,
                      findings: list | None = None, reply_markup=None, reply_to: int | None = None) -> bool:
        """Store the text (once per update and key), send it unless it went already; True when delivered."""
        from telegram.error import BadRequest, Forbidden

        if len(text) > TELEGRAM_TEXT_LIMIT:
            text = text[:TELEGRAM_TEXT_LIMIT - 1] + "…"
        message_id, status = self.store.record_outgoing(
            f"{job.external_id}:{key}", chat_id=chat_id, channel=channel, text=text,
            conversation_id=f"telegram:{chat_id}", sender=sender, route=route, reply_id=reply_id,
            guard_ok=guard_ok, guard_findings=findings)
        if status == "sent":
            return True  # sent before a restart
        if status != "pending":
            return False
        kwargs: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if reply_markup is not None:
            kwargs["reply_markup"] = reply_markup
        if reply_to is not None:
            kwargs["reply_to_message_id"] = reply_to
            kwargs["allow_sending_without_reply"] = True
        attempts = 0

        def send_message():
            nonlocal attempts
            attempts += 1
            return self.app.bot.send_message(**kwargs)

        try:
            sent = await self.call_telegram("sendMessage", send_message)
        except (BadRequest, Forbidden) as exc:
            self.store.mark_delivery(message_id, "failed", error=str(exc), attempts=attempts)
            logger.error("Telegram refused a message to chat %s for good: %s", chat_id, exc)
            if chat_id != self.config.staff_chat_id:
                await self.staff_alert(job, f"{key}:undeliverable",
                                       f"A message could not be delivered to a Telegram chat ({exc}). "
                                       f"The person may have blocked the bot.")
            return False
        self.store.mark_delivery(message_id, "sent", remote_id=sent.message_id, attempts=attempts)
        return True

    async def send_to_person(self, job: Job, key: str, chat_id: int, text: str, *, comment: str | None,
                             triage: dict | None, route: str | None = None, reply_id: str | None = None,
                             sender: str = "bot", ticket: int | None = None, channel: str = "telegram") -> bool:
        """A text for a person writing to the service: only ever sent after the policy guard passed it."""
        from bot import guard

        verdict = guard.check(text, comment=comment, comment_triage=triage, rewrite=False)
        findings = [v.to_dict() for v in verdict.violations]
        if not verdict.ok:
            self.store.record_outgoing(f"{job.external_id}:{key}", chat_id=chat_id, channel=channel, text=text,
                                       conversation_id=f"telegram:{chat_id}", sender=sender, route=route,
                                       reply_id=reply_id, guard_ok=False, guard_findings=findings,
                                       status="blocked")
            rules = ", ".join(sorted({v.rule for v in verdict.violations}))
            where = f"Ticket #{ticket}: a" if ticket else "A"
            await self.staff_alert(job, f"{key}:blocked",
                                   f"{where} reply to a Telegram chat was held back because it failed the "
                                   f"policy check ({rules}). A person must answer this chat.")
            return False
        return await self.deliver(job, key, chat_id, text, channel=channel, sender=sender, route=route,
                                  reply_id=reply_id, guard_ok=True, findings=[])

    async def staff_alert(self, job: Job, key: str, text: str, *, reply_markup=None, reply_to: int | None = None,
                          route: str | None = None) -> bool:
        """A text for the staff chat. The guard runs and its verdict is kept, but a staff text is never
        held back: a blocked safeguarding alert would break invariant 4 (docs/DECISIONS.md)."""
        from bot import guard

        verdict = guard.check(text, rewrite=False)
        return await self.deliver(job, f"staff:{key}", self.config.staff_chat_id, text, channel="telegram_staff",
                                  route=route, guard_ok=verdict.ok,
                                  findings=[v.to_dict() for v in verdict.violations],
                                  reply_markup=reply_markup, reply_to=reply_to)

    def ticket_link(self, ticket: int) -> str | None:
        return self.config.ticket_url.format(ticket=ticket) if self.config.ticket_url else None

    def ticket_alert(self, route: str, ticket: int, *, urgent: bool, types: list[str], waiting: bool,
                     summary: str | None = None, note: str | None = None) -> str:
        """The staff alert for a ticket: route, detection types, ticket number and link; never the message."""
        lines = [f"{'🔴 URGENT: ' if urgent else ''}{ROUTE_TITLES.get(route, route)} - ticket #{ticket}",
                 summary or _summaries().get(route, route)]
        if types:
            lines.append("Detected: " + ", ".join(types))
        if note:
            lines.append(note)
        link = self.ticket_link(ticket)
        if link:
            lines.append(f"Ticket: {link}")
        if waiting:
            lines.append(f"Answer with /reply {ticket} <your text>. "
                         f"The assistant stays quiet in this chat until /release {ticket}.")
        else:
            lines.append(f"Answer with /reply {ticket} <your text>; close it with /release {ticket}.")
        return "\n".join(lines)

    @staticmethod
    def release_button(ticket: int) -> InlineKeyboardMarkup:
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup

        return InlineKeyboardMarkup([[InlineKeyboardButton(f"Release #{ticket}", callback_data=f"release:{ticket}")]])

    # ------------------------------------------------------------------ private chats

    async def on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        job = self.job(update)
        message = update.message
        await self.handle_person_message(job, message.chat_id, message.text)

    async def on_private_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, voice note, sticker, file...: the assistant cannot read it, so a person will."""
        job = self.job(update)
        message = update.message
        await self.handle_person_message(job, message.chat_id, message.caption or "",
                                         unreadable=_attachment_kind(message))

    async def on_private_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message gets no new reply, but a safeguarding signal in it still reaches a person."""
        from bot.detector import detect

        job = self.job(update)
        text = update.edited_message.text or update.edited_message.caption or ""
        types = sorted({d.type for d in detect(text, categories=["risk"])})
        if types:
            await self.staff_alert(job, "risk", f"🔴 URGENT: a Telegram direct message was edited and now shows a "
                                                f"possible safeguarding concern (detected: {', '.join(types)}). "
                                                f"A person must read this conversation now.", route="safeguarding")
        self.store.set_message_outcome(job.message_id, route="safeguarding" if types else None,
                                       flags={"edited": True, "risk": types})

    async def handle_person_message(self, job: Job, chat_id: int, text: str, unreadable: str | None = None) -> None:
        from bot.detector import detect

        conversation = f"telegram:{chat_id}"
        risk = [{"type": d.type, "category": d.category, "start": d.start, "end": d.end}
                for d in detect(text, categories=["risk"])] if text else []
        risk_types = sorted({d["type"] for d in risk})
        if risk:  # invariant 4: a person hears of it now, whatever happens next
            await self.staff_alert(job, "risk", f"🔴 URGENT: possible safeguarding concern in a Telegram direct "
                                                f"message (detected: {', '.join(risk_types)}). A person must read "
                                                f"this conversation now; the ticket follows.", route="safeguarding")
        if not risk and await self.flood_limited(job, chat_id, conversation):
            return
        waiting = self.store.waiting_ticket(conversation)
        if waiting is not None:
            await self.while_waiting(job, chat_id, conversation, waiting, text, risk)
            return
        if unreadable:
            await self.hand_over(job, chat_id, conversation, text, risk, summary=(
                f"A {unreadable} the assistant cannot read: a person should look at it."))
            return
        try:
            turn = await self.assistant.turn(conversation, text, job.external_id)
        except AssistantFailed as exc:
            logger.error("update %s: %s; falling back", job.update_id, exc)
            await self.hand_over(job, chat_id, conversation, text, risk, failure=str(exc))
            return
        await self.act_on(job, chat_id, conversation, text, turn)

    async def act_on(self, job: Job, chat_id: int, conversation: str, text: str, turn: Turn) -> None:
        """Send the approved reply, open what the route needs, tell staff."""
        route = turn.route
        ticket = turn.ticket_id
        if route in TICKET_ROUTES and ticket is None:  # the ticket action failed: open it here
            ticket = self.open_ticket(job, route, conversation, urgent=route == "safeguarding")
        waiting = route in WAITING_ROUTES
        if waiting and not turn.paused:
            await self.assistant.pause(conversation)
        types = sorted({d["type"] for d in turn.detections})
        alert = None
        if route in TICKET_ROUTES:
            alert = self.ticket_alert(route, ticket, urgent=route == "safeguarding", types=types, waiting=waiting,
                                      note="No reply was sent to the person." if route == "abuse" else None)
        markup = self.release_button(ticket) if waiting else None
        if alert and route == "safeguarding":  # the alert first: a person must read it now
            await self.staff_alert(job, "ticket", alert, reply_markup=markup, route=route)
        delivered = []
        for i, reply in enumerate(turn.replies):
            delivered.append(await self.send_to_person(job, f"reply:{i}", chat_id, reply, comment=text,
                                                       triage=turn.comment_triage(), route=route,
                                                       reply_id=turn.reply_id, ticket=ticket))
        if alert and route != "safeguarding":
            await self.staff_alert(job, "ticket", alert, reply_markup=markup, route=route)
        if not turn.replies and route != "abuse":
            await self.staff_alert(job, "no_reply", f"{f'Ticket #{ticket}: ' if ticket else ''}No approved reply "
                                                   f"could be sent to a Telegram chat ({route}); a person must "
                                                   f"answer it.", route=route)
        self.store.set_message_outcome(job.message_id, route=route, flags={**turn.flags(), "ticket": ticket},
                                       reply_id=turn.reply_id,
                                       guard_ok=all(delivered) if delivered else None)
        if waiting:  # last: a message handled again after a crash must still get its reply
            self.store.set_waiting(conversation, ticket, channel="telegram")

    async def hand_over(self, job: Job, chat_id: int, conversation: str, text: str, risk: list[dict], *,
                        failure: str | None = None, summary: str | None = None) -> None:
        """No answer from the assistant: safeguarding signposting (risk) or the holding message, a ticket,
        the chat waits for a person, and staff are told why."""
        from bot.replies import select

        route = "safeguarding" if risk else "handoff"
        urgent = bool(risk)
        ticket = self.open_ticket(job, route, conversation, urgent=urgent, summary=summary)
        reply = select(route, CHANNEL)
        note = (f"The assistant could not answer ({failure}); the person got the "
                f"{'safeguarding signposting' if risk else 'holding message'}.") if failure else None
        alert = self.ticket_alert(route, ticket, urgent=urgent, types=sorted({d["type"] for d in risk}),
                                  waiting=True, summary=summary, note=note)
        if urgent:
            await self.staff_alert(job, "ticket", alert, reply_markup=self.release_button(ticket), route=route)
        triage = {"route": route, "disclosure": bool(risk), "complaint": False, "detections": risk}
        delivered = await self.send_to_person(job, "reply:0", chat_id, reply.text, comment=text, triage=triage,
                                              route=route, reply_id=reply.ref(), ticket=ticket)
        if not urgent:
            await self.staff_alert(job, "ticket", alert, reply_markup=self.release_button(ticket), route=route)
        self.store.set_message_outcome(job.message_id, route=route, reply_id=reply.ref(), guard_ok=delivered,
                                       flags={"disclosure": bool(risk), "complaint": False, "needs_human": True,
                                              "urgent": urgent, "ticket": ticket, "fallback": failure,
                                              "detections": risk})
        self.store.set_waiting(conversation, ticket, channel="telegram")

    def open_ticket(self, job: Job, route: str, conversation: str, *, urgent: bool, summary: str | None = None) -> int:
        """A ticket for this message, opened once even if the message is handled again after a restart."""
        existing = self.store.ticket_for_message(job.message_id, route)
        if existing:
            return existing["id"]
        return self.store.open_ticket(kind=route, summary=summary or _summaries()[route], urgent=urgent,
                                      conversation_id=conversation, channel=CHANNEL, message_id=job.message_id)

    async def while_waiting(self, job: Job, chat_id: int, conversation: str, ticket: int, text: str,
                            risk: list[dict]) -> None:
        """The chat is with a person: the assistant stays quiet (safeguarding signposting excepted)."""
        from bot.replies import select

        if risk:
            reply = select("safeguarding", CHANNEL)
            triage = {"route": "safeguarding", "disclosure": True, "complaint": False, "detections": risk}
            await self.send_to_person(job, "reply:0", chat_id, reply.text, comment=text, triage=triage,
                                      route="safeguarding", reply_id=reply.ref(), ticket=ticket)
        await self.staff_alert(job, "waiting", f"Ticket #{ticket}: the person sent another message while waiting "
                                               f"for a person.")
        self.store.set_message_outcome(job.message_id, route="safeguarding" if risk else None,
                                       flags={"waiting_for_person": ticket, "risk": [d["type"] for d in risk]})

    async def flood_limited(self, job: Job, chat_id: int, conversation: str) -> bool:
        """More than flood_limit messages in flood_window seconds: stored, not answered, one notice."""
        since = job.received_at - timedelta(seconds=self.config.flood_window)
        recent = self.store.count_messages(conversation, direction="in", since=since, up_to_id=job.message_id)
        if recent <= self.config.flood_limit:
            return False
        self.store.set_message_outcome(job.message_id, flags={"flood_limited": True})
        noticed = self.store.count_messages(conversation, direction="out", since=since,
                                            reply_id="telegram.flood_notice")
        if not noticed:
            await self.send_to_person(job, "flood_notice", chat_id, flood_notice(), comment=None, triage=None,
                                      reply_id="telegram.flood_notice")
        logger.info("update %s: chat over the flood limit; stored, not answered", job.update_id)
        return True

    # ------------------------------------------------------------------ commands

    async def on_start_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        job = self.job(update)
        chat = update.effective_chat
        if chat.id == self.config.staff_chat_id:
            await self.staff_alert(job, "help", f"{about_text()}\n\n{STAFF_HELP}")
        else:
            await self.send_to_person(job, "about", chat.id, about_text(), comment=None, triage=None,
                                      reply_id="service.about", channel=self.describe(update)["channel"])
        self.store.set_message_outcome(job.message_id, route="command")

    async def on_other_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        job = self.job(update)
        chat = update.effective_chat
        if chat.id == self.config.staff_chat_id:
            await self.staff_alert(job, "unknown", f"Unknown command.\n{STAFF_HELP}",
                                   reply_to=update.effective_message.message_id)
        else:
            await self.refuse_outside_staff_chat(job, update)
        self.store.set_message_outcome(job.message_id, route="command", flags={"refused": True})

    async def refuse_outside_staff_chat(self, job: Job, update: Update) -> None:
        chat = update.effective_chat
        await self.send_to_person(job, "refused", chat.id, command_refused_notice(), comment=None, triage=None,
                                  reply_id="telegram.command_refused", channel=self.describe(update)["channel"])

    async def staff_command(self, update: Update) -> tuple[Job, str] | None:
        """The job and staff sender of a staff command, or None once it is refused (and recorded so)."""
        job = self.job(update)
        staff = await self.staff_member(job, update)
        if staff is None:
            self.store.set_message_outcome(job.message_id, route="command", flags={"refused": True})
            return None
        return job, staff

    async def staff_member(self, job: Job, update: Update) -> str | None:
        """The sender id of a staff member allowed to give a command here, or None (after refusing them)."""
        from telegram.error import BadRequest

        chat, user, message = update.effective_chat, update.effective_user, update.effective_message
        if chat is None or chat.id != self.config.staff_chat_id:
            await self.refuse_outside_staff_chat(job, update)
            return None
        if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
            return "staff:anonymous-admin"  # an administrator posting anonymously as the group
        if user is not None:
            try:
                member = await self.call_telegram("getChatMember", lambda: self.app.bot.get_chat_member(
                    self.config.staff_chat_id, user.id))
                status = member.status
            except BadRequest:
                status = "unknown"
            if status in STAFF_STATUSES:
                return f"staff:{user.id}"
            logger.warning("refused a staff command from user %s (status %s)", user.id, status)
        await self.staff_alert(job, "not_staff", "Only members of the staff chat can use the staff commands (/reply, /release, /draft, /edit). "
                                                 "Ask an administrator of the staff chat to add you.",
                               reply_to=message.message_id if message else None)
        return None

    def telegram_chat_of(self, ticket: dict) -> int | None:
        conversation = ticket.get("conversation_id") or ""
        prefix, _, chat = conversation.partition(":")
        if prefix != "telegram":
            return None
        try:
            return int(chat)
        except ValueError:
            return None

    async def on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        from bot import guard
        from bot.triage import ROUTES

        command = await self.staff_command(update)
        if command is None:
            return
        job, staff = command
        message = update.effective_message
        parts = (message.text or "").split(None, 2)

        async def answer(key: str, text: str) -> None:
            await self.staff_alert(job, key, text, reply_to=message.message_id)

        if len(parts) < 3 or not parts[1].lstrip("#").isdigit():
            await answer("usage", "Usage: /reply TICKET your text, for example /reply 12 Thank you for waiting.")
            return
        ticket_id, reply = int(parts[1].lstrip("#")), parts[2].strip()
        ticket = self.store.ticket(ticket_id)
        chat_id = self.telegram_chat_of(ticket) if ticket else None
        if ticket is None:
            await answer("no_ticket", f"There is no ticket #{ticket_id}.")
            return
        if ticket["status"] != "open":
            await answer("closed", f"Ticket #{ticket_id} is closed already.")
            return
        if chat_id is None:
            await answer("not_telegram", f"Ticket #{ticket_id} is not a Telegram conversation; answer it on its "
                                         f"own channel.")
            return
        last = self.store.last_inbound(ticket["conversation_id"])
        comment, triage = None, None
        if last is not None:
            comment = last["text"]
            if last["route"] in ROUTES:  # triaged; otherwise (e.g. sent while waiting) the guard's detector decides
                flags = json.loads(last["flags"]) if last["flags"] else {}
                triage = {"route": last["route"], "disclosure": bool(flags.get("disclosure")),
                          "complaint": bool(flags.get("complaint")) and last["route"] != "safeguarding",
                          "detections": flags.get("detections") or []}
        verdict = guard.check(reply, comment=comment, comment_triage=triage)
        if not verdict.ok:
            await answer("findings", findings_text(ticket_id, verdict))
            self.store.set_message_outcome(job.message_id, route="command",
                                           flags={"ticket": ticket_id, "sent": False}, guard_ok=False,
                                           guard_findings=[v.to_dict() for v in verdict.violations])
            return
        sent = await self.send_to_person(job, "staff_reply", chat_id, reply, comment=comment, triage=triage,
                                         route=ticket["kind"], sender=staff, ticket=ticket_id)
        if sent:
            waiting = self.store.waiting_ticket(ticket["conversation_id"]) == ticket_id
            await answer("confirm", f"Sent to the person on ticket #{ticket_id}."
                                    + (f" The chat stays with a person until /release {ticket_id}." if waiting else ""))
        self.store.set_message_outcome(job.message_id, route="command", flags={"ticket": ticket_id, "sent": sent},
                                       guard_ok=True)

    async def on_release(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        command = await self.staff_command(update)
        if command is None:
            return
        job, staff = command
        message = update.effective_message
        args = context.args or []
        if len(args) != 1 or not args[0].lstrip("#").isdigit():
            await self.staff_alert(job, "usage", "Usage: /release TICKET, for example /release 12.",
                                   reply_to=message.message_id)
            return
        text = await self.release(job, int(args[0].lstrip("#")), staff)
        await self.staff_alert(job, "confirm", text, reply_to=message.message_id)
        self.store.set_message_outcome(job.message_id, route="command", flags={"ticket": int(args[0].lstrip("#"))})

    async def release(self, job: Job, ticket_id: int, staff: str) -> str:
        """Close a ticket; a chat waiting on it goes back to the assistant. Returns the answer for staff."""
        ticket = self.store.ticket(ticket_id)
        if ticket is None:
            return f"There is no ticket #{ticket_id}."
        if ticket["status"] != "open":
            return f"Ticket #{ticket_id} is closed already."
        conversation = ticket["conversation_id"]
        self.store.set_ticket_status(ticket_id, "closed")
        logger.info("ticket %s closed by %s", ticket_id, staff)
        if not conversation or self.store.waiting_ticket(conversation) not in (ticket_id, 0):
            waiting = self.store.waiting_ticket(conversation) if conversation else None
            return (f"Ticket #{ticket_id} closed." +
                    (f" The chat still waits for a person on ticket #{waiting}." if waiting else ""))
        self.store.release_conversation(conversation)
        try:
            await self.assistant.resume(conversation)
        except Exception as exc:  # the store decides; the assistant resumes itself on the next message
            logger.warning("could not mark conversation %s resumed in the tracker store: %r", conversation, exc)
        return f"Ticket #{ticket_id} closed: the assistant answers this chat again."

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        job = self.job(update)
        query = update.callback_query
        answer = "This button has expired."
        if query.data and query.data.startswith("review:"):
            answer = await self.review_button(job, update, query.data)
        elif query.data and query.data.startswith("release:") and query.data[8:].isdigit():
            staff = await self.staff_member(job, update)
            answer = await self.release(job, int(query.data[8:]), staff) if staff else "Only staff can do that."
            if staff:
                await self.staff_alert(job, "confirm", answer)
        await self.call_telegram("answerCallbackQuery", lambda: query.answer(answer[:200]))
        self.store.set_message_outcome(job.message_id, route="command")

    # ------------------------------------------------------------------ the review queue (public comments)

    def review_user(self, user_id: int):
        """The review account linked to a Telegram user (bot.review's User), or None."""
        from bot import review

        try:
            return review.default_queue().user(review_account_name(user_id))
        except review.Forbidden:
            return None

    @staticmethod
    def review_item_text(item: dict, heading: str) -> str:
        """A queue item for the staff chat: route, flags, suggested reply, guard verdict; never the comment."""
        flags = [name for name, on in (item.get("flags") or {}).items() if on]
        types = sorted({d["type"] for d in item.get("detections") or []})
        verdict = item.get("guard") or {}
        lines = [heading, f"Route: {item['route']}",
                 "Flags: " + (", ".join(flags) if flags else "none")]
        if types:
            lines.append("Detected: " + ", ".join(types))
        lines.append("Suggested reply:" if item.get("reply") else "Suggested reply: none")
        if item.get("reply"):
            lines.append(item["reply"])
        if verdict.get("ok"):
            lines.append("Policy check: passed")
        else:
            rules = sorted({v["rule"] for v in verdict.get("violations") or []})
            lines.append("Policy check: FAILED" + (f" ({', '.join(rules)})" if rules else ""))
            if verdict.get("note"):
                lines.append(verdict["note"])
        lines.append(f"Change the reply with /edit {item['id']} new text")
        return "\n".join(lines)

    @staticmethod
    def review_buttons(item: dict) -> InlineKeyboardMarkup:
        """Approve / Reject for the item as shown: the version is in the button, so a press after the reply
        changed elsewhere acts on nothing (the approver is shown the new text instead)."""
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup

        key = f"{item['id']}:{item['version']}"
        return InlineKeyboardMarkup([[InlineKeyboardButton("Approve", callback_data=f"review:approve:{key}"),
                                      InlineKeyboardButton("Reject", callback_data=f"review:reject:{key}")]])

    async def on_draft(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        from bot import review
        from bot.triage import InputError, TriageService

        command = await self.staff_command(update)
        if command is None:
            return
        job, staff = command
        message = update.effective_message
        parts = (message.text or "").split(None, 1)

        async def answer(key: str, text: str, **kwargs) -> None:
            await self.staff_alert(job, key, text, reply_to=message.message_id, **kwargs)

        if len(parts) < 2 or not parts[1].strip():
            await answer("usage", "Usage: /draft TEXT, the public comment to answer, for example "
                                  "/draft Is your service free?")
        elif update.effective_user is None or staff == "staff:anonymous-admin":
            await answer("anonymous", "Drafts need a known author (the two-person rule): post /draft as "
                                      "yourself, not anonymously as the group.")
        else:
            try:
                item = await review.intake(TriageService(self.assistant.agent), platform="other",
                                           author="(pasted in the Telegram staff chat)", text=parts[1].strip(),
                                           source="telegram", submitted_by=staff,
                                           drafted_by=review_account_name(update.effective_user.id))
            except InputError as exc:
                await answer("invalid", f"Not queued: {exc}.")
            else:
                await answer("draft", self.review_item_text(item, f"Review item #{item['id']} (pending)"),
                             reply_markup=self.review_buttons(item), route=item["route"])
        self.store.set_message_outcome(job.message_id, route="command")

    async def on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        from bot import review

        command = await self.staff_command(update)
        if command is None:
            return
        job, staff = command
        message = update.effective_message
        parts = (message.text or "").split(None, 2)
        user = update.effective_user
        anonymous = user is None or staff == "staff:anonymous-admin"
        account = None if anonymous else self.review_user(user.id)
        markup = None
        if len(parts) < 3 or not parts[1].lstrip("#").isdigit():
            text = "Usage: /edit ITEM new text, for example /edit 12 Thank you for your comment."
        elif anonymous:
            text = "Edits need a known author (the two-person rule): post /edit as yourself, not as the group."
        elif account is None:
            text = link_hint(user.id)
        else:
            item_id = int(parts[1].lstrip("#"))
            try:
                item = review.edit(item_id, account, parts[2].strip())
            except review.ReviewError as exc:
                text = f"Item #{item_id} not changed: {exc}."
            else:
                text = self.review_item_text(item, f"Review item #{item_id}: reply edited by {account.name} "
                                                   f"(another approver must approve it)")
                markup = self.review_buttons(item)
        await self.staff_alert(job, "edit", text, reply_to=message.message_id, reply_markup=markup)
        self.store.set_message_outcome(job.message_id, route="command")

    async def review_button(self, job: Job, update: Update, data: str) -> str:
        """Approve / Reject under a queue item; returns the answer for the button (also posted to staff)."""
        from bot import review

        _, action, item, version = (data.split(":", 3) + ["", "", ""])[:4]
        if action not in ("approve", "reject") or not item.isdigit() or not version.isdigit():
            return "This button has expired."
        staff = await self.staff_member(job, update)
        if staff is None:
            return "Only staff can do that."
        user = update.effective_user
        account = self.review_user(user.id)
        if account is None:
            answer = link_hint(user.id)
        else:
            item_id = int(item)
            try:
                done = (review.approve if action == "approve" else review.reject)(item_id, account,
                                                                                  version=int(version))
            except review.Conflict as exc:
                answer = f"Item #{item_id} not {action}d: {exc}."
                try:
                    current = review.default_queue().get(item_id)
                except review.ReviewError:
                    current = None
                if current is not None and current["state"] in review.OPEN:
                    answer = (f"Item #{item_id} not {action}d: it changed after these buttons were posted. "
                              f"Here is what it says now.")
                    await self.staff_alert(job, "review_fresh", self.review_item_text(
                        current, f"Review item #{item_id} as it is now ({current['state'].replace('_', ' ')})"),
                        reply_markup=self.review_buttons(current))
            except review.ReviewError as exc:
                answer = f"Item #{item_id} not {action}d: {exc}."
                if "override reason" in str(exc):
                    answer += (" An override reason cannot be given from Telegram: fix the reply with "
                               f"/edit {item_id} new text, or approve it with a reason on the review page (/review).")
            else:
                state = done["state"].replace("_", " ")
                answer = f"Item #{item_id} {state} by {account.name}."
                if done["state"] in review.READY:
                    answer += " It is ready to post: copy the reply to the platform."
        await self.staff_alert(job, "review", answer)
        return answer

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        from telegram import Update

        if isinstance(update, Update) and update.update_id in self.jobs:
            self.jobs[update.update_id].error = context.error
        else:
            logger.error("error outside an update: %r", context.error)

    # ------------------------------------------------------------------ running

    async def start(self) -> None:
        from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
        from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TimedOut

        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                await self.app.initialize()
                break
            except InvalidToken as exc:
                raise SystemExit(f"Telegram refused the bot token (SENDIASS_TELEGRAM_TOKEN): {exc}")
            except (TimedOut, NetworkError) as exc:
                if attempt == MAX_ATTEMPTS:
                    raise SystemExit(f"Telegram cannot be reached at {self.config.base_url} ({exc}). Check the "
                                     f"network or SENDIASS_TELEGRAM_BASE_URL.")
                await asyncio.sleep(min(BACKOFF_FIRST * 2 ** attempt, BACKOFF_MAX))
        bot = self.app.bot
        try:
            me = await self.call_telegram("getChatMember", lambda: bot.get_chat_member(self.config.staff_chat_id,
                                                                                       bot.id))
            in_staff_chat = me.status in STAFF_STATUSES
        except (BadRequest, Forbidden) as exc:
            in_staff_chat, me = False, exc
        if not in_staff_chat:
            raise SystemExit(f"The bot @{bot.username} is not in the staff chat {self.config.staff_chat_id} "
                             f"(SENDIASS_STAFF_CHAT_ID): {getattr(me, 'status', me)}. Add it to the staff group, "
                             f"or fix the id; alerts would have nowhere to go.")
        await self.call_telegram("setMyCommands", lambda: bot.set_my_commands(
            [BotCommand("start", "About the service"), BotCommand("help", "About the service")],
            scope=BotCommandScopeAllPrivateChats()))
        await self.call_telegram("setMyCommands", lambda: bot.set_my_commands(
            [BotCommand("reply", "TICKET text: answer the person"),
             BotCommand("release", "TICKET: hand the chat back to the assistant"),
             BotCommand("draft", "TEXT: queue a public comment for review"),
             BotCommand("edit", "ITEM text: change a queued reply"),
             BotCommand("help", "Staff commands")], scope=BotCommandScopeChat(self.config.staff_chat_id)))
        logger.info("Telegram bot @%s ready; staff chat %s", bot.username, self.config.staff_chat_id)

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self._stop.set)
            except (NotImplementedError, RuntimeError):
                pass

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def run_polling(self) -> None:
        """Long polling: an update is acknowledged (the next offset) only after it was handled."""
        from telegram.error import Conflict, NetworkError, RetryAfter, TimedOut

        self._install_signal_handlers()
        await self.start()
        bot = self.app.bot
        await self.call_telegram("deleteWebhook", lambda: bot.delete_webhook(drop_pending_updates=False))
        await self.recover_unfinished()
        print(f"Safe Replies Telegram bot @{bot.username} is polling {self.config.base_url}…", flush=True)
        offset: int | None = None
        failures = 0
        try:
            while not self._stop.is_set():
                poll = asyncio.ensure_future(bot.get_updates(offset=offset, timeout=self.config.poll_timeout,
                                                             allowed_updates=ALLOWED_UPDATES))
                stopping = asyncio.ensure_future(self._stop.wait())
                await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if not poll.done():
                    poll.cancel()
                    break
                try:
                    updates = poll.result()
                except RetryAfter as exc:
                    await asyncio.sleep(_seconds(exc.retry_after) + 0.1)
                    continue
                except Conflict as exc:
                    logger.error("Telegram: %s (another bot instance or a webhook is using this token)", exc)
                    failures += 1
                    await asyncio.sleep(min(BACKOFF_FIRST * 2 ** failures, 30))
                    continue
                except (TimedOut, NetworkError) as exc:
                    failures += 1
                    wait = min(BACKOFF_FIRST * 2 ** failures, 30)
                    logger.warning("getUpdates failed (%s); trying again in %.1f s", exc, wait)
                    await asyncio.sleep(wait)
                    continue
                failures = 0
                for update in updates:
                    try:
                        async with self._handling:
                            await self.handle_update(update)
                    except TransientDeliveryError as exc:
                        logger.error("update %s left for later: %s", update.update_id, exc)
                        await asyncio.sleep(BACKOFF_MAX)
                        break  # the offset stays: Telegram sends this update again
                    offset = update.update_id + 1
        finally:
            await self.app.shutdown()

    async def run_webhook(self, url: str, listen: str, port: int) -> None:
        """Webhook mode: Telegram POSTs updates to `url`; the answer (200) comes only after handling."""
        from aiohttp import web
        from telegram import Update

        self._install_signal_handlers()
        await self.start()
        secret = self.config.webhook_secret or secrets.token_urlsafe(32)
        path = urlsplit(url).path or "/"

        async def receive(request: web.Request) -> web.Response:
            if not secrets.compare_digest(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), secret):
                return web.Response(status=403, text="wrong or missing secret token")
            try:
                update = Update.de_json(await request.json(), self.app.bot)
            except Exception:
                return web.Response(status=400, text="not a Telegram update")
            if update is None:
                return web.Response(status=400, text="not a Telegram update")
            try:
                async with self._handling:
                    await self.handle_update(update)
            except TransientDeliveryError as exc:
                logger.error("update %s left for Telegram to send again: %s", update.update_id, exc)
                return web.Response(status=503, text="try again later")
            return web.Response(text="ok")

        web_app = web.Application()
        web_app.router.add_post(path, receive)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, listen, port).start()
        try:
            await self.recover_unfinished()
            await self.call_telegram("setWebhook", lambda: self.app.bot.set_webhook(
                url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, max_connections=1))
            print(f"Safe Replies Telegram bot @{self.app.bot.username} receives updates on {listen}:{port}{path} "
                  f"(webhook {url})", flush=True)
            await self._stop.wait()
        finally:
            await runner.cleanup()
            await self.app.shutdown()


def findings_text(ticket_id: int, verdict: "guard.Verdict") -> str:
    """What a staff member sees when their reply fails the guard: each finding and a safe rewrite."""
    n = len(verdict.violations)
    lines = [f"Not sent: your reply to ticket #{ticket_id} does not follow the social media policy "
             f"({n} problem{'s' if n != 1 else ''})."]
    for v in verdict.violations:
        lines.append(f"- {v.rule}: {v.message}")
        lines.append(f'  evidence: "{v.evidence}"')
    if verdict.suggestion:
        lines.append("Suggested safe rewrite (send it with /reply if it fits):")
        lines.append(verdict.suggestion)
    elif verdict.note:
        lines.append(verdict.note)
    return "\n".join(lines)


def build_application(config: TelegramConfig, safe_bot: SafeRepliesBot) -> Application:
    """The one PTB Application: no Updater (our own loop acknowledges updates only after handling them)."""
    from telegram.ext import Application

    app = (Application.builder().token(config.token).base_url(config.base_url).updater(None).build())
    register_handlers(app, safe_bot)
    return app


def register_handlers(app: Application, bot: SafeRepliesBot) -> None:
    """Every handler of the bot, in order of precedence."""
    from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

    from bot.practice import add_telegram_handlers

    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    add_telegram_handlers(app, bot)  # /practice first: a practice session's messages are not for the service
    app.add_handler(CommandHandler(["start", "help"], bot.on_start_help, filters=new_message))
    app.add_handler(CommandHandler("reply", bot.on_reply, filters=new_message))
    app.add_handler(CommandHandler("release", bot.on_release, filters=new_message))
    app.add_handler(CommandHandler("draft", bot.on_draft, filters=new_message))
    app.add_handler(CommandHandler("edit", bot.on_edit, filters=new_message))
    app.add_handler(MessageHandler(new_message & filters.COMMAND, bot.on_other_command))
    app.add_handler(MessageHandler(private & new_message & filters.TEXT, bot.on_private_text))
    app.add_handler(MessageHandler(private & new_message & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                                   bot.on_private_other))
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, bot.on_private_edit))
    app.add_handler(CallbackQueryHandler(bot.on_button))
    app.add_error_handler(bot.on_error)


# ---------------------------------------------------------------------------------- command line

def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def cmd_telegram(args) -> int:
    from bot.cli import ensure_model, say
    from bot.server import read_endpoints, start_action_server

    config = TelegramConfig.from_env()
    logging.getLogger(__name__).setLevel(logging.INFO)
    model = args.model or ensure_model()
    action_port = int(os.environ.get("SENDIASS_ACTION_PORT", "5055"))
    endpoints = read_endpoints()
    if not os.environ.get("SENDIASS_ENDPOINTS"):
        if not args.no_actions and not _port_open(action_port):
            say(f"Starting the action server on port {action_port}...")
            start_action_server(action_port)
    say("Loading the model...")
    bot = SafeRepliesBot(config, Assistant.load(model, endpoints, timeout=config.rasa_timeout))
    if args.webhook:
        asyncio.run(bot.run_webhook(args.webhook, args.listen, args.port))
    else:
        asyncio.run(bot.run_polling())
    return 0


def add_cli(subparsers) -> None:
    """`sendiass telegram` (called from bot/cli.py's build_parser)."""
    s = subparsers.add_parser(
        "telegram", help="run the Telegram bot (long polling; --webhook URL for webhook mode)",
        description="Answer Telegram direct messages with approved replies, hand chats to staff and alert the "
                    "staff chat. Needs SENDIASS_TELEGRAM_TOKEN and SENDIASS_STAFF_CHAT_ID; "
                    "SENDIASS_TELEGRAM_BASE_URL points it at another Bot API server.")
    s.add_argument("--model", help="a trained model (.tar.gz); default: the newest, trained if needed")
    s.add_argument("--webhook", metavar="URL", help="receive updates on this public HTTPS URL instead of polling "
                                                    "(a reverse proxy forwards it to --listen:--port)")
    s.add_argument("--listen", default="127.0.0.1", help="webhook mode: the address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8443, help="webhook mode: the port to listen on (default 8443)")
    s.add_argument("--no-actions", action="store_true",
                   help="don't start an action server when none answers on SENDIASS_ACTION_PORT")
    s.set_defaults(func=cmd_telegram)
