"""The store: every message in and out, its route and guard verdict, tickets for people.

SQLite file by default (embedded, nothing to set up); PostgreSQL (or any SQLAlchemy URL) through
SENDIASS_DATABASE_URL, with the same code. Rows are only ever added or have their status moved on;
nothing is deleted.

The schema (every module's tables on `metadata`) is created and migrated by `ensure_schema`, which every
Store runs at start: Alembic migrations in bot/migrations/, one process at a time (a PostgreSQL advisory
lock, or SQLite's write lock), so replicas starting together on an empty database do not race. A database
already at the newest revision costs one query. `sendiass db upgrade` runs the same step by hand (as the
tables' owner, when the application's role may not change the schema: docs/DEPLOY.md).
"""
from __future__ import annotations

import json
import os
import zlib
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

from bot.profile import var_dir

metadata = sa.MetaData()

messages = sa.Table(
    "messages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),          # public_comment, direct_message, telegram, api...
    sa.Column("conversation_id", sa.String(120)),
    sa.Column("external_id", sa.String(120), unique=True),          # e.g. a Telegram update id: no update twice
    sa.Column("direction", sa.String(3), nullable=False),           # in / out
    sa.Column("sender", sa.String(200)),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("route", sa.String(40)),
    sa.Column("flags", sa.Text),                                    # JSON: disclosure, complaint, needs_human, urgent
    sa.Column("reply_id", sa.String(80)),
    sa.Column("guard_ok", sa.Boolean),
    sa.Column("guard", sa.Text),                                    # JSON list of findings
)

tickets = sa.Table(
    "tickets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),               # safeguarding, complaint, handoff, abuse
    sa.Column("urgent", sa.Boolean, nullable=False, default=False),
    sa.Column("conversation_id", sa.String(120)),
    sa.Column("channel", sa.String(40)),
    sa.Column("summary", sa.Text, nullable=False),                  # never personal data
    sa.Column("status", sa.String(20), nullable=False, default="open"),
    sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id")),
)

# Telegram (bot/telegram.py): each update is stored before Telegram is told it arrived, and each
# outgoing text before it is sent, so a crash or restart neither loses an update nor answers one twice.
telegram_updates = sa.Table(
    "telegram_updates", metadata,
    sa.Column("external_id", sa.String(120), primary_key=True),     # telegram:<update_id>
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("chat_id", sa.BigInteger),
    sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id")),  # the inbound message row
    sa.Column("status", sa.String(20), nullable=False),             # received -> done / failed
    sa.Column("done_at", sa.DateTime(timezone=True)),
    sa.Column("payload", sa.Text),                                  # the update as Telegram sent it (JSON)
)

deliveries = sa.Table(
    "deliveries", metadata,
    sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id"), primary_key=True),  # the outbound row
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),             # pending -> sent / failed; blocked by the guard
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("remote_id", sa.BigInteger),                          # Telegram's message_id once sent
    sa.Column("error", sa.Text),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# A conversation handed to a person: the bot stays quiet in it until staff release it.
conversation_states = sa.Table(
    "conversation_states", metadata,
    sa.Column("conversation_id", sa.String(120), primary_key=True),
    sa.Column("channel", sa.String(40)),
    sa.Column("waiting", sa.Boolean, nullable=False, default=False),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id")),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


def now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- the schema and its migrations

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001_baseline"  # the tables as `create_all` made them before migrations existed


class SchemaError(RuntimeError):
    """The database's schema cannot be brought up to date by this process; the message says what to do."""


def product_tables() -> sa.MetaData:
    """`metadata` with every module's tables on it (each module declares its own)."""
    import bot.auth  # noqa: F401
    import bot.practice  # noqa: F401
    import bot.review  # noqa: F401

    return metadata


def lock_key(name: str) -> int:
    """A PostgreSQL advisory lock number for one of the product's own locks (stable across processes)."""
    return zlib.crc32(f"safe-replies:{name}".encode())


@contextmanager
def locked_transaction(engine, name: str):
    """A transaction that holds the product's lock `name` until it commits or rolls back.

    PostgreSQL: a transaction-level advisory lock (any role may take one). SQLite: the database's write
    lock, taken at the start (BEGIN IMMEDIATE), so what the transaction reads cannot change under it."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


def _alembic(conn):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def schema_revision(conn) -> str | None:
    """The migration the database is at (None: no product schema yet, or one made before migrations)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def ensure_schema(engine) -> str:
    """Bring the product's schema to the newest revision, whoever else is starting at the same moment.

    An empty database gets the tables at once (create_all, then stamped with the newest revision, as
    Alembic recommends); one made by create_all before migrations existed is stamped as the baseline and
    migrated; any other is migrated. Returns what was done: "current", "created" or "migrated"."""
    product_tables()
    head = head_revision()
    with engine.connect() as conn:
        if schema_revision(conn) == head:
            return "current"
    from alembic import command

    try:
        with locked_transaction(engine, "schema") as conn:
            current = schema_revision(conn)  # another process may have done it while we waited for the lock
            if current == head:
                return "current"
            config = _alembic(conn)
            if current is None and not sa.inspect(conn).has_table("messages"):
                metadata.create_all(conn)
                command.stamp(config, "head")
                return "created"
            if current is None:
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")
            return "migrated"
    except sa.exc.DBAPIError as exc:
        if engine.dialect.name == "postgresql" and ("permission denied" in str(exc.orig)
                                                    or "must be owner" in str(exc.orig)):
            raise SchemaError(
                f"The database schema is not at revision {head} and this database user may not change it: "
                f"run `sendiass db upgrade` once as the tables' owner (docs/DEPLOY.md).") from exc
        raise


def app_grants(role: str) -> list[str]:
    """The PostgreSQL privileges of an application role that does not own the tables (docs/DEPLOY.md).

    Everything it needs to run, and no more: the audit trail only SELECT and INSERT; no DELETE anywhere
    (the product deletes nothing); no DDL (the owner runs `sendiass db upgrade`)."""
    product_tables()
    quoted = '"' + role.replace('"', '""') + '"'
    statements = [f"GRANT USAGE ON SCHEMA public TO {quoted};",
                  f"GRANT SELECT ON alembic_version TO {quoted};"]
    for name in sorted(metadata.tables):
        rights = "SELECT, INSERT" if name in APPEND_ONLY_TABLES else "SELECT, INSERT, UPDATE"
        statements.append(f"GRANT {rights} ON {name} TO {quoted};")
    statements.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {quoted};")
    return statements


APPEND_ONLY_TABLES = ("review_audit", "product_secrets")


def database_url() -> str:
    url = os.environ.get("SENDIASS_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{var_dir() / 'sendiass.db'}"


class Store:
    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        if self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(self.url, future=True, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            @sa.event.listens_for(self.engine, "connect")
            def _sqlite_pragmas(conn, _record):  # concurrent readers, safe writes, constraints kept
                cur = conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=10000")
                cur.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
                # REPLACE deletes the row it replaces; with this on, that delete fires DELETE triggers too.
                cur.execute("PRAGMA recursive_triggers=ON")
                cur.close()
        self.schema = ensure_schema(self.engine)  # "current", "created" or "migrated"

    def ping(self) -> None:
        """Raises when the database cannot be reached (for /health)."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def record_message(self, *, channel: str, direction: str, text: str, conversation_id: str | None = None,
                       sender: str | None = None, external_id: str | None = None, route: str | None = None,
                       flags: dict | None = None, reply_id: str | None = None, guard_ok: bool | None = None,
                       guard_findings: list | None = None) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(messages.insert().values(
                created_at=now(), channel=channel, direction=direction, text=text,
                conversation_id=conversation_id, sender=sender, external_id=external_id, route=route,
                flags=json.dumps(flags) if flags is not None else None, reply_id=reply_id,
                guard_ok=guard_ok, guard=json.dumps(guard_findings) if guard_findings is not None else None,
            ))
            return result.inserted_primary_key[0]

    def open_ticket(self, *, kind: str, summary: str, urgent: bool = False, conversation_id: str | None = None,
                    channel: str | None = None, message_id: int | None = None) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(tickets.insert().values(
                created_at=now(), kind=kind, urgent=urgent, summary=summary, status="open",
                conversation_id=conversation_id, channel=channel, message_id=message_id,
            ))
            return result.inserted_primary_key[0]

    def tickets(self, status: str | None = None) -> list[dict]:
        q = sa.select(tickets).order_by(tickets.c.urgent.desc(), tickets.c.id)
        if status:
            q = q.where(tickets.c.status == status)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def messages(self, since: datetime | None = None) -> list[dict]:
        q = sa.select(messages).order_by(messages.c.id)
        if since:
            q = q.where(messages.c.created_at >= since)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ------------------------------------------------------------ conversations on a channel (Telegram)

    def receive_update(self, external_id: str, *, channel: str, text: str, conversation_id: str | None,
                       sender: str | None, chat_id: int | None, payload: str) -> tuple[int, str]:
        """Store an incoming update once (its message row and the update itself), keyed on its external id.

        Returns (message id, status): "received" for a new update or one stored but not finished,
        "done" or "failed" for one already handled (it must not be answered again).
        """
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(telegram_updates.c.message_id, telegram_updates.c.status)
                               .where(telegram_updates.c.external_id == external_id)).first()
            if row is not None:
                return row.message_id, row.status
            message_id = conn.execute(messages.insert().values(
                created_at=now(), channel=channel, direction="in", text=text, conversation_id=conversation_id,
                sender=sender, external_id=external_id,
            )).inserted_primary_key[0]
            conn.execute(telegram_updates.insert().values(
                external_id=external_id, received_at=now(), chat_id=chat_id, message_id=message_id,
                status="received", payload=payload,
            ))
            return message_id, "received"

    def finish_update(self, external_id: str, status: str = "done") -> None:
        with self.engine.begin() as conn:
            conn.execute(telegram_updates.update().where(telegram_updates.c.external_id == external_id)
                         .values(status=status, done_at=now()))

    def unfinished_updates(self) -> list[dict]:
        """Updates stored but not handled (a crash or restart came in between), oldest first."""
        q = (sa.select(telegram_updates).where(telegram_updates.c.status == "received")
             .order_by(telegram_updates.c.message_id))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def update_status(self, external_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(telegram_updates.c.status)
                                .where(telegram_updates.c.external_id == external_id)).scalar()

    def set_message_outcome(self, message_id: int, *, route: str | None = None, flags: dict | None = None,
                            reply_id: str | None = None, guard_ok: bool | None = None,
                            guard_findings: list | None = None) -> None:
        """Record what was decided about a stored message (its route, flags, reply and guard verdict)."""
        with self.engine.begin() as conn:
            conn.execute(messages.update().where(messages.c.id == message_id).values(
                route=route, flags=json.dumps(flags) if flags is not None else None, reply_id=reply_id,
                guard_ok=guard_ok, guard=json.dumps(guard_findings) if guard_findings is not None else None,
            ))

    def record_outgoing(self, external_id: str, *, chat_id: int, channel: str, text: str,
                        conversation_id: str | None, sender: str, route: str | None = None,
                        reply_id: str | None = None, guard_ok: bool | None = None,
                        guard_findings: list | None = None, status: str = "pending") -> tuple[int, str]:
        """Store an outgoing text before it is sent, once per external id; returns (message id, delivery status)."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(messages.c.id, deliveries.c.status)
                               .join(deliveries, deliveries.c.message_id == messages.c.id)
                               .where(messages.c.external_id == external_id)).first()
            if row is not None:
                return row.id, row.status
            message_id = conn.execute(messages.insert().values(
                created_at=now(), channel=channel, direction="out", text=text, conversation_id=conversation_id,
                sender=sender, external_id=external_id, route=route, reply_id=reply_id, guard_ok=guard_ok,
                guard=json.dumps(guard_findings) if guard_findings is not None else None,
            )).inserted_primary_key[0]
            conn.execute(deliveries.insert().values(message_id=message_id, chat_id=chat_id, status=status,
                                                    attempts=0, updated_at=now()))
            return message_id, status

    def mark_delivery(self, message_id: int, status: str, *, remote_id: int | None = None,
                      error: str | None = None, attempts: int | None = None) -> None:
        values = {"status": status, "updated_at": now(), "remote_id": remote_id, "error": error}
        if attempts is not None:
            values["attempts"] = attempts
        with self.engine.begin() as conn:
            conn.execute(deliveries.update().where(deliveries.c.message_id == message_id).values(**values))

    def count_messages(self, conversation_id: str, *, direction: str, since: datetime,
                       up_to_id: int | None = None, reply_id: str | None = None) -> int:
        """Messages of a conversation since a time (up to a message id), e.g. for a flood limit."""
        q = sa.select(sa.func.count()).select_from(messages).where(
            messages.c.conversation_id == conversation_id, messages.c.direction == direction,
            messages.c.created_at >= since)
        if up_to_id is not None:
            q = q.where(messages.c.id <= up_to_id)
        if reply_id is not None:
            q = q.where(messages.c.reply_id == reply_id)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    def message(self, message_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(messages).where(messages.c.id == message_id)).first()
            return dict(row._mapping) if row else None

    def last_inbound(self, conversation_id: str) -> dict | None:
        """The latest message a person sent in a conversation."""
        q = (sa.select(messages).where(messages.c.conversation_id == conversation_id,
                                       messages.c.direction == "in")
             .order_by(messages.c.id.desc()).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
            return dict(row._mapping) if row else None

    def ticket(self, ticket_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()
            return dict(row._mapping) if row else None

    def ticket_for_message(self, message_id: int, kind: str) -> dict | None:
        """The ticket already opened for a message, if any (so a replayed message opens no second one)."""
        q = sa.select(tickets).where(tickets.c.message_id == message_id, tickets.c.kind == kind)
        with self.engine.connect() as conn:
            row = conn.execute(q.order_by(tickets.c.id).limit(1)).first()
            return dict(row._mapping) if row else None

    def set_ticket_status(self, ticket_id: int, status: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(status=status))

    def set_waiting(self, conversation_id: str, ticket_id: int | None, channel: str | None = None) -> None:
        """The conversation waits for a person (ticket_id); the bot stays quiet in it."""
        with self.engine.begin() as conn:
            done = conn.execute(conversation_states.update()
                                .where(conversation_states.c.conversation_id == conversation_id)
                                .values(waiting=True, ticket_id=ticket_id, updated_at=now())).rowcount
            if not done:
                conn.execute(conversation_states.insert().values(
                    conversation_id=conversation_id, channel=channel, waiting=True, ticket_id=ticket_id,
                    updated_at=now()))

    def release_conversation(self, conversation_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(conversation_states.update()
                         .where(conversation_states.c.conversation_id == conversation_id)
                         .values(waiting=False, updated_at=now()))

    def waiting_ticket(self, conversation_id: str) -> int | None:
        """The ticket a conversation is waiting on, or None when the bot answers it."""
        q = sa.select(conversation_states.c.waiting, conversation_states.c.ticket_id).where(
            conversation_states.c.conversation_id == conversation_id)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None or not row.waiting:
            return None
        return row.ticket_id or 0

    def audit_rows(self, since: datetime) -> list[dict]:
        """The monitoring log: every message (with its delivery status) and ticket since a time, oldest first."""
        mq = (sa.select(messages, deliveries.c.status.label("delivery"))
              .select_from(messages.outerjoin(deliveries, deliveries.c.message_id == messages.c.id))
              .where(messages.c.created_at >= since).order_by(messages.c.id))
        tq = sa.select(tickets).where(tickets.c.created_at >= since).order_by(tickets.c.id)
        with self.engine.connect() as conn:
            rows = [{"record": "message", **dict(r._mapping)} for r in conn.execute(mq)]
            rows += [{"record": "ticket", **dict(r._mapping)} for r in conn.execute(tq)]
        return rows
