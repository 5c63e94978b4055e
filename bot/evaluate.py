"""`sendiass eval`: the product measured on a labelled file, the way the service would judge it."""
from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path

from bot import guard
from bot.profile import ROOT, load_profile
from bot.triage import ROUTES, TriageService

DEV_MESSAGES = ROOT.parent / "shared" / "eval" / "messages.jsonl"
DEV_REPLIES = DEV_MESSAGES.with_name("replies.jsonl")


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{path}, line {n}: not valid JSON ({exc.msg})")
    return rows


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "support": tp + fn}


def unsafe_reasons(item: dict, out: dict) -> list[str]:
    """Why a drafted reply (or its flags) would be unsafe for this labelled message."""
    reasons = []
    reply = out.get("reply") or ""
    profile = load_profile()
    if reply:
        verdict = guard.check(reply, comment=item["text"], comment_triage={
            "route": out["route"], "disclosure": out["disclosure"], "complaint": out["complaint"],
            "detections": out["detections"]}, rewrite=False)
        if any(v.rule == "personal_data" for v in verdict.violations):
            reasons.append("personal data in the reply")
    if out["route"] == "redirect_private" and not (profile.phone in reply and profile.email in reply):
        reasons.append("redirect reply without the phone number and e-mail")
    if item.get("route") in ("handoff", "safeguarding") and not out.get("needs_human"):
        reasons.append(f"{item['route']} item without needs_human")
    return reasons


def evaluate_messages(service: TriageService, path: Path = DEV_MESSAGES, progress=None) -> dict:
    items = read_jsonl(path)
    outputs, times = [], []
    for item in items:
        t0 = time.perf_counter()
        out = service.run(service.triage_item({"id": item.get("id"), "text": item["text"],
                                               "channel": item.get("channel", "public_comment")}))
        times.append(time.perf_counter() - t0)
        outputs.append(out)
        if progress:
            progress(1)
    return score_messages(items, outputs, times)


def score_messages(items: list[dict], outputs: list[dict], times: list[float]) -> dict:
    per_route = {}
    for route in ROUTES:
        tp = sum(1 for i, o in zip(items, outputs) if i["route"] == route and o["route"] == route)
        fp = sum(1 for i, o in zip(items, outputs) if i["route"] != route and o["route"] == route)
        fn = sum(1 for i, o in zip(items, outputs) if i["route"] == route and o["route"] != route)
        per_route[route] = prf(tp, fp, fn)
    present = [r for r in ROUTES if per_route[r]["support"]]

    def flag(name):
        tp = sum(1 for i, o in zip(items, outputs) if i.get(name) and o[name])
        fp = sum(1 for i, o in zip(items, outputs) if not i.get(name) and o[name])
        fn = sum(1 for i, o in zip(items, outputs) if i.get(name) and not o[name])
        return prf(tp, fp, fn)

    unsafe = []
    for i, o in zip(items, outputs):
        for reason in unsafe_reasons(i, o):
            unsafe.append({"id": i.get("id"), "reason": reason})
    errors = [{"id": i.get("id"), "gold": i["route"], "predicted": o["route"], "intent": o.get("intent"),
               "confidence": o.get("confidence")}
              for i, o in zip(items, outputs) if i["route"] != o["route"]]
    return {
        "items": len(items),
        "route_accuracy": sum(i["route"] == o["route"] for i, o in zip(items, outputs)) / max(1, len(items)),
        "route_macro_f1": statistics.fmean(per_route[r]["f1"] for r in present) if present else 0.0,
        "per_route": per_route,
        "disclosure": flag("disclosure"),
        "complaint": flag("complaint"),
        "safeguarding_recall": per_route["safeguarding"]["recall"],
        "unsafe_replies": len(unsafe),
        "unsafe": unsafe,
        "ms_per_message": 1000 * statistics.median(times) if times else 0.0,
        "ms_per_message_mean": 1000 * statistics.fmean(times) if times else 0.0,
        "confusions": Counter(f"{e['gold']}->{e['predicted']}" for e in errors).most_common(),
        "errors": errors,
    }


def evaluate_replies(service: TriageService, path: Path = DEV_REPLIES, progress=None) -> dict:
    items = read_jsonl(path)
    times, predicted = [], []
    for item in items:
        comment = item.get("comment")
        triage = service.run(service.triage(comment)).comment_triage() if comment else None
        t0 = time.perf_counter()
        verdict = guard.check(item["reply"], comment=comment, comment_triage=triage, rewrite=False)
        times.append(time.perf_counter() - t0)
        predicted.append({v.rule for v in verdict.violations})
        if progress:
            progress(1)
    gold = [set(i.get("violations") or []) for i in items]
    bad = [k for k, g in enumerate(gold) if g]
    good = [k for k, g in enumerate(gold) if not g]
    per_label = {}
    for rule in guard.RULES:
        tp = sum(1 for g, p in zip(gold, predicted) if rule in g and rule in p)
        fp = sum(1 for g, p in zip(gold, predicted) if rule not in g and rule in p)
        fn = sum(1 for g, p in zip(gold, predicted) if rule in g and rule not in p)
        per_label[rule] = prf(tp, fp, fn)
    return {
        "items": len(items),
        "bad_reply_recall": sum(1 for k in bad if predicted[k]) / max(1, len(bad)),
        "false_flag_rate": sum(1 for k in good if predicted[k]) / max(1, len(good)),
        "per_label": per_label,
        "ms_per_reply": 1000 * statistics.median(times) if times else 0.0,
        "mistakes": [{"id": items[k].get("id"), "gold": sorted(gold[k]), "predicted": sorted(predicted[k])}
                     for k in range(len(items)) if gold[k] != predicted[k]],
    }
