"""`sendiass`: the command line of Safe Replies.

Readable, coloured output for people; JSON lines for programs (triage, check --input).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import bot  # noqa: F401  (environment defaults: telemetry off)

USE_COLOUR = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
COLOURS = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "bold": 1, "dim": 2}
ROUTE_COLOURS = {"safeguarding": "red", "redirect_private": "yellow", "complaint": "yellow", "abuse": "red",
                 "handoff": "blue", "answer": "green", "acknowledge": "green"}


def paint(text: str, colour: str, stream=sys.stderr) -> str:
    if not (stream.isatty() and not os.environ.get("NO_COLOR")):
        return text
    return f"\033[{COLOURS[colour]}m{text}\033[0m"


def say(text: str = "") -> None:
    print(text, file=sys.stderr)


def progress_bar(total: int | None, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)


def ensure_model(force: bool = False) -> Path:
    from bot.training import train

    bar = progress_bar(100, "Training the model")

    def progress(fraction: float, label: str):
        bar.set_description(label)
        bar.n = int(fraction * 100)
        bar.refresh()

    try:
        model = train(force=force, progress=progress)
    finally:
        bar.close()
    say(paint(f"Model: {model}", "dim"))
    return model


def load_service(args):
    from bot.triage import TriageService

    model = getattr(args, "model", None)
    if not model:
        model = ensure_model() if getattr(args, "train", True) else None
    say(paint("Loading the model...", "dim"))
    return TriageService.load(model)


def open_input(name: str):
    if name == "-":
        return sys.stdin.buffer
    path = Path(name)
    if not path.exists():
        raise SystemExit(f"Input file not found: {name}")
    return open(path, "rb")


# ---------------------------------------------------------------- commands

def cmd_train(args) -> int:
    ensure_model(force=args.force)
    return 0


def cmd_triage(args) -> int:
    from bot.triage import triage_stream

    service = load_service(args)
    with open_input(args.input) as stream:
        items, errors, spent = triage_stream(service, stream, sys.stdout)
    say(paint(f"{items} item(s) triaged, {errors} error(s), "
              f"{1000 * spent / max(1, items - errors):.1f} ms a message", "red" if errors else "green"))
    return 1 if errors else 0


def _pct(x: float) -> str:
    return f"{x:.3f}"


def cmd_eval(args) -> int:
    from bot import evaluate

    service = load_service(args)
    if args.replies is not None:
        path = Path(args.replies) if args.replies else evaluate.DEV_REPLIES
        bar = progress_bar(None, f"Checking {path.name}")
        result = evaluate.evaluate_replies(service, path, progress=bar.update)
        bar.close()
        if args.json:
            print(json.dumps(result, indent=2))
            return 0
        print(f"Replies: {result['items']} from {path}")
        print(f"  bad-reply recall        {_pct(result['bad_reply_recall'])}")
        print(f"  false-flag rate (good)  {_pct(result['false_flag_rate'])}")
        print(f"  ms per reply (median)   {result['ms_per_reply']:.2f}")
        print("  label                  precision  recall   f1   support")
        for rule, m in result["per_label"].items():
            print(f"  {rule:22} {m['precision']:9.3f} {m['recall']:7.3f} {m['f1']:5.3f} {m['support']:6d}")
        for m in result["mistakes"]:
            print(paint(f"  {m['id']}: expected {m['gold'] or 'none'}, found {m['predicted'] or 'none'}", "yellow", sys.stdout))
        return 0

    path = Path(args.input) if args.input else evaluate.DEV_MESSAGES
    if not path.exists():
        raise SystemExit(f"Labelled file not found: {path}")
    bar = progress_bar(None, f"Triaging {path.name}")
    result = evaluate.evaluate_messages(service, path, progress=bar.update)
    bar.close()
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Messages: {result['items']} from {path}")
    print(f"  route accuracy          {_pct(result['route_accuracy'])}")
    print(f"  route macro-F1          {_pct(result['route_macro_f1'])}")
    print(f"  safeguarding recall     {_pct(result['safeguarding_recall'])}")
    for flag in ("disclosure", "complaint"):
        m = result[flag]
        print(f"  {flag:10} precision {_pct(m['precision'])}  recall {_pct(m['recall'])}")
    colour = "red" if result["unsafe_replies"] else "green"
    print(paint(f"  unsafe replies          {result['unsafe_replies']}", colour, sys.stdout))
    print(f"  ms per message (median) {result['ms_per_message']:.1f}")
    print("  route              precision  recall   f1   support")
    for route, m in result["per_route"].items():
        print(f"  {route:18} {m['precision']:9.3f} {m['recall']:7.3f} {m['f1']:5.3f} {m['support']:6d}")
    for u in result["unsafe"]:
        print(paint(f"  UNSAFE {u['id']}: {u['reason']}", "red", sys.stdout))
    for e in result["errors"]:
        print(paint(f"  {e['id']}: expected {e['gold']}, got {e['predicted']} ({e['intent']} {e['confidence']})",
                    "yellow", sys.stdout))
    return 0


def cmd_check(args) -> int:
    from bot import guard
    from bot.triage import InputError, iter_lines, parse_line, validate_check_item

    needs_model = args.input is not None or args.comment
    service = load_service(args) if needs_model else None

    def verdict_for(reply, comment):
        if service is not None:
            return service.run(service.check(reply, comment))
        return guard.check(reply)

    if args.input is not None:
        errors = 0
        with open_input(args.input) as stream:
            for n, raw in iter_lines(stream):
                obj = None
                try:
                    obj = parse_line(raw)
                    reply, comment = validate_check_item(obj)
                    out = {"id": obj.get("id"), **verdict_for(reply, comment).to_dict()}
                except InputError as exc:
                    out = {"id": obj.get("id") if isinstance(obj, dict) else None, "error": f"line {n}: {exc}"}
                    errors += 1
                print(json.dumps(out, ensure_ascii=False), flush=True)
        return 1 if errors else 0

    if not args.reply:
        raise SystemExit('Give a reply to check: sendiass check "reply text" [--comment "comment text"]')
    verdict = verdict_for(args.reply, args.comment)
    if args.json:
        print(json.dumps(verdict.to_dict(), ensure_ascii=False))
        return 0 if verdict.ok else 1
    if verdict.ok:
        print(paint("OK: this reply follows the social media policy.", "green", sys.stdout))
        return 0
    print(paint(f"Not ready to post: {len(verdict.violations)} problem(s).", "red", sys.stdout))
    for v in verdict.violations:
        print(f"- {paint(v.rule, 'bold', sys.stdout)}: {v.message}")
        print(f"  evidence: \"{v.evidence}\" (characters {v.start}-{v.end})")
        print(paint(f"  policy: \"{v.clause}\"", "dim", sys.stdout))
    if verdict.suggestion:
        print(paint("Suggested safe rewrite:", "green", sys.stdout))
        print(f"  {verdict.suggestion}")
    elif verdict.note:
        print(paint(verdict.note, "yellow", sys.stdout))
    return 1


def cmd_serve(args) -> int:
    from bot.server import check_ports, serve

    ports = [("server", args.host, args.port)]
    if not args.no_actions:
        ports.append(("action server", "127.0.0.1", int(os.environ.get("SENDIASS_ACTION_PORT", "5055"))))
    check_ports(ports)  # before the model is loaded: a port in the way is said at once
    model = args.model or ensure_model()
    serve(model, host=args.host, port=args.port, with_actions=not args.no_actions)
    return 0


AUDIT_COLUMNS = ("record", "id", "created_at", "channel", "conversation_id", "external_id", "direction", "sender",
                 "route", "flags", "reply_id", "guard_ok", "guard", "delivery", "text", "kind", "urgent", "status",
                 "summary", "message_id", "item_id", "action", "from_state", "override_reason", "details")


def parse_since(value: str):
    """A date (2026-11-01) or time (2026-11-01T09:00), UTC unless it says otherwise."""
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r}; use e.g. 2026-11-01 or 2026-11-01T09:00")
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def cmd_audit_export(args) -> int:
    """The policy's monitoring log as CSV: messages in and out, tickets, and the review trail.

    Every cell goes through bot.contract.csv_cell: a comment like "=HYPERLINK(...)" stays text in a spreadsheet."""
    import csv

    from bot.contract import csv_row
    from bot.review import review_audit_rows
    from bot.store import Store

    rows = Store().audit_rows(args.since) + review_audit_rows(args.since)
    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout
    try:
        writer = csv.DictWriter(out, fieldnames=AUDIT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(csv_row(r) for r in rows)
    finally:
        if args.out:
            out.close()
    kinds = {k: sum(r["record"] == k for r in rows) for k in ("message", "ticket", "review")}
    say(f"{kinds['message']} message(s), {kinds['ticket']} ticket(s) and {kinds['review']} review change(s) "
        f"since {args.since.isoformat()}" + (f" written to {args.out}" if args.out else ""))
    return 0


def cmd_audit_verify(args) -> int:
    """Prove the review trail intact: every row hashes to its row_hash and follows the row before it."""
    from bot.review import verify_audit
    from bot.store import Store

    check = verify_audit(Store().engine)
    if check.intact:
        print(f"intact: {check.rows} rows" + (f" (last hash {check.last_hash[:16]})" if check.last_hash else ""))
        return 0
    print(f"broken: {check.problem}; the {check.rows} row(s) before it are intact")
    return 1


def cmd_db_upgrade(args) -> int:
    """Create or migrate the product's schema (what every process does at start), e.g. as the tables' owner."""
    from sqlalchemy.engine import make_url

    from bot.store import Store, head_revision

    store = Store()  # its first step is the schema's (bot.store.ensure_schema)
    say(f"The schema of {make_url(store.url).render_as_string(hide_password=True)} is at revision "
        f"{head_revision()} ({store.schema}).")
    return 0


def cmd_db_grants(args) -> int:
    """The SQL that gives an application role exactly the privileges it needs (docs/DEPLOY.md)."""
    from bot.store import app_grants

    print("\n".join(app_grants(args.role)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sendiass", description="Safe Replies for SENDIASS social media.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("train", help="train the Rasa model when none matches the data")
    s.add_argument("--force", action="store_true", help="train even when a matching model exists")
    s.set_defaults(func=cmd_train)

    s = sub.add_parser("triage", help="triage JSON lines {id, text, channel?} into routes and replies")
    s.add_argument("--input", required=True, help="a JSON-lines file, or - for standard input")
    s.add_argument("--model", help="a trained model (.tar.gz); default: the newest, trained if needed")
    s.set_defaults(func=cmd_triage)

    s = sub.add_parser("eval", help="measure triage (or, with --replies, the guard) on a labelled file")
    s.add_argument("input", nargs="?", help="labelled messages (default: ../shared/eval/messages.jsonl)")
    s.add_argument("--replies", nargs="?", const="", default=None,
                   help="measure the policy guard on labelled replies (default ../shared/eval/replies.jsonl)")
    s.add_argument("--model", help="a trained model (.tar.gz)")
    s.add_argument("--json", action="store_true", help="print the figures as JSON")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("check", help="check a reply against the social media policy")
    s.add_argument("reply", nargs="?", help="the reply text")
    s.add_argument("--comment", help="the comment the reply answers")
    s.add_argument("--input", help="JSON lines {id, reply, comment?}, or - for standard input")
    s.add_argument("--model", help="a trained model (.tar.gz)")
    s.add_argument("--json", action="store_true", help="print the verdict as JSON")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("serve", help="serve the assistant on 127.0.0.1 (REST channel, /api/triage, /health)")
    s.add_argument("--host", default=os.environ.get("SENDIASS_HOST", "127.0.0.1"))
    s.add_argument("--port", type=int, default=int(os.environ.get("SENDIASS_PORT", "5005")))
    s.add_argument("--model", help="a trained model (.tar.gz)")
    s.add_argument("--no-actions", action="store_true", help="don't start the action server (one runs elsewhere)")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("audit", help="the monitoring log: messages, tickets and the review trail")
    audit = s.add_subparsers(dest="audit_command", required=True)
    e = audit.add_parser("export", help="write the log since a date as CSV")
    e.add_argument("--since", required=True, type=parse_since, help="a date (2026-11-01) or time (2026-11-01T09:00, UTC)")
    e.add_argument("--out", help="a CSV file to write (default: standard output)")
    e.set_defaults(func=cmd_audit_export)
    v = audit.add_parser("verify", help="prove the review trail intact (exit 1 naming the first broken row)")
    v.set_defaults(func=cmd_audit_verify)

    s = sub.add_parser("db", help="the product store's schema (SENDIASS_DATABASE_URL)")
    db = s.add_subparsers(dest="db_command", required=True)
    u = db.add_parser("upgrade", help="create or migrate the schema now (run as the tables' owner)")
    u.set_defaults(func=cmd_db_upgrade)
    g = db.add_parser("grants", help="print the PostgreSQL GRANTs for an application role that owns no tables")
    g.add_argument("role", help="the application's database role, e.g. sendiass_app")
    g.set_defaults(func=cmd_db_grants)

    # Each channel and workflow registers its own commands.
    from bot.practice import add_cli as add_practice_cli
    from bot.review import add_cli as add_review_cli
    from bot.telegram import add_cli as add_telegram_cli

    add_telegram_cli(sub)  # sendiass telegram
    add_review_cli(sub)  # sendiass import, sendiass user
    add_practice_cli(sub)  # sendiass practice
    return p


def quiet_libraries() -> None:
    """Rasa, TensorFlow and friends warn a lot about things a user cannot change."""
    import logging
    import warnings

    if os.environ.get("SENDIASS_DEBUG"):
        return
    warnings.simplefilter("ignore")
    # Some libraries add their own "always" filters on import; don't print theirs either.
    warnings.showwarning = lambda *args, **kwargs: None
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for name in ("rasa", "tensorflow", "absl", "urllib3", "sanic", "matplotlib"):
        logging.getLogger(name).setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    from bot.store import SchemaError

    args = build_parser().parse_args(argv)
    quiet_libraries()
    try:
        return args.func(args) or 0
    except SchemaError as exc:
        say(paint(str(exc), "red"))
        return 1
    except KeyboardInterrupt:
        say("Stopped.")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
