"""Rasa custom actions (rasa-sdk). Run with `rasa run actions` (the main job starts it for you).

action_triage decides the route with the same function the batch CLI and HTTP API use
(bot.triage.decide), sends the approved reply, and sets the `route` slot; the rules in
data/rules.yml then route on that slot to the follow-up actions below.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.store import Store
from bot.triage import CHANNELS, decide

_store: Store | None = None


def store() -> Store:
    global _store
    if _store is None:
        _store = Store()
    return _store


def _channel(tracker: Tracker) -> str:
    meta = tracker.latest_message.get("metadata") or {}
    channel = meta.get("channel")
    # A conversation with the assistant is a direct message unless the channel says otherwise.
    return channel if channel in CHANNELS else "direct_message"


SUMMARIES = {
    "safeguarding": "Possible safeguarding concern: a person must read this conversation now.",
    "handoff": "A question the reply library cannot answer: a person should pick it up.",
    "complaint": "Feedback or a complaint about the service: acknowledge and follow the complaints procedure.",
    "abuse": "Offensive, discriminatory or spam content: review for moderation.",
}


class ActionTriage(Action):
    def name(self) -> Text:
        return "action_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        message = tracker.latest_message
        text = message.get("text") or ""
        result = decide(text, message, _channel(tracker))
        if result.reply is not None:
            dispatcher.utter_message(text=result.reply.text)
        return [
            SlotSet("route", result.route),
            SlotSet("disclosure", result.disclosure),
            SlotSet("complaint", result.complaint),
            SlotSet("needs_human", result.needs_human),
            SlotSet("urgent", result.urgent),
            SlotSet("reply_id", result.reply.ref() if result.reply else None),
            SlotSet("ticket_id", None),
        ]


class ActionHandToPerson(Action):
    """Safeguarding and handoff: a ticket for a person, and the bot stays quiet until released."""

    def name(self) -> Text:
        return "action_hand_to_person"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        route = tracker.get_slot("route") or "handoff"
        ticket = store().open_ticket(kind=route, summary=SUMMARIES[route], urgent=route == "safeguarding",
                                     conversation_id=tracker.sender_id, channel=_channel(tracker))
        return [SlotSet("ticket_id", ticket), ConversationPaused()]


class ActionOpenTicket(Action):
    """Complaints and abuse: a ticket staff can see; the conversation goes on."""

    def name(self) -> Text:
        return "action_open_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        route = tracker.get_slot("route")
        ticket = store().open_ticket(kind=route, summary=SUMMARIES.get(route, route),
                                     conversation_id=tracker.sender_id, channel=_channel(tracker))
        return [SlotSet("ticket_id", ticket)]
