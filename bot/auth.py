"""Staff accounts for the review queue: passwords, sessions and API tokens.

- Passwords are hashed with the standard library's scrypt (N=2^14, r=8, p=1), a random 16-byte salt per
  user, and compared in constant time. An unknown name costs the same work as a wrong password.
- A session is a random 256-bit cookie value; the database keeps only its SHA-256, the user, a
  per-session CSRF token and an absolute expiry (SENDIASS_SESSION_HOURS, default 8 hours).
- An API token (`sendiass user token NAME`) is a random 256-bit value shown once; the database keeps
  only its SHA-256. A new token revokes the user's earlier ones; disabling the user revokes all.
- Accounts belong to people: one person may have a web account and a Telegram review account (`tg-<id>`).
  `person` links an account to the person's main account (`sendiass user link tg-12345 priya.shah`), so
  the review queue's two-person rule is per person, not per account (`person_of`).
- A failed sign-in is recorded under the account's name when there is such an account; a name that
  matches no account (it may be a password typed into the wrong box) only as a keyed hash
  (`failure_name`), never as typed.

The tables live in the product store (bot.store.metadata), beside messages and tickets.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from bot.store import metadata, now

ROLES = ("staff", "approver")
NAME_RX = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024

# scrypt parameters: ~16 MB of memory and a few tens of milliseconds per check.
_N, _R, _P, _DKLEN = 2 ** 14, 8, 1, 32

users = sa.Table(
    "review_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(40), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),               # staff / approver
    sa.Column("password", sa.String(200), nullable=False),          # scrypt$N$r$p$salt$hash (base64)
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("person", sa.String(40)),                             # the main account of the same person
)

sessions = sa.Table(
    "review_sessions", metadata,
    sa.Column("id", sa.String(64), primary_key=True),               # SHA-256 (hex) of the cookie value
    sa.Column("user_id", sa.Integer, sa.ForeignKey("review_users.id"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),              # signed out
)

api_tokens = sa.Table(
    "review_api_tokens", metadata,
    sa.Column("id", sa.String(64), primary_key=True),               # SHA-256 (hex) of the token
    sa.Column("user_id", sa.Integer, sa.ForeignKey("review_users.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)


# Secrets the product makes for itself, once per database (e.g. the key of `failure_name`); never changed.
secrets_table = sa.Table(
    "product_secrets", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


class AuthError(ValueError):
    """A refused account operation; the message is shown to the person."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    @property
    def can_approve(self) -> bool:
        return self.role == "approver"


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires_at: datetime


def utc(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; everything this product stores is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def session_hours() -> float:
    raw = os.environ.get("SENDIASS_SESSION_HOURS", "8")
    try:
        hours = float(raw)
    except ValueError:
        raise SystemExit(f"SENDIASS_SESSION_HOURS must be a number of hours, not {raw!r}")
    if hours <= 0:
        raise SystemExit("SENDIASS_SESSION_HOURS must be more than 0")
    return hours


# ---------------------------------------------------------------- passwords

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


_DUMMY_HASH = hash_password(secrets.token_hex(16))  # checked for unknown names: same work, same time


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"the password must be at least {MIN_PASSWORD} characters (a few words make a good one)")
    if len(password) > MAX_PASSWORD:
        raise AuthError(f"the password must be at most {MAX_PASSWORD} characters")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- accounts

def normal_name(name: str) -> str:
    return (name or "").strip().lower()


def _user(row) -> User:
    return User(id=row.id, name=row.name, role=row.role)


def add_user(engine, name: str, role: str, password: str) -> User:
    name = normal_name(name)
    if not NAME_RX.match(name):
        raise AuthError("a user name is 2-40 letters, digits, dots, dashes or underscores, e.g. priya.shah")
    if role not in ROLES:
        raise AuthError(f"the role must be one of {', '.join(ROLES)}")
    check_new_password(password)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
            raise AuthError(f"there is already a user called {name}")
        new_id = conn.execute(users.insert().values(
            name=name, role=role, password=hash_password(password), active=True, created_at=now(),
        )).inserted_primary_key[0]
    return User(id=new_id, name=name, role=role)


def get_user(engine, name: str, *, active_only: bool = True) -> User | None:
    if not NAME_RX.match(normal_name(name)):
        return None
    q = sa.select(users).where(users.c.name == normal_name(name))
    if active_only:
        q = q.where(users.c.active.is_(True))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return _user(row) if row else None


def list_users(engine, *, active_only: bool = True) -> list[dict]:
    q = sa.select(users.c.name, users.c.role, users.c.active, users.c.created_at,
                  sa.func.coalesce(users.c.person, users.c.name).label("person")).order_by(users.c.name)
    if active_only:
        q = q.where(users.c.active.is_(True))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def person_of(conn, name: str) -> str:
    """The person an account belongs to: its linked main account, or itself (also for unknown names)."""
    name = normal_name(name)
    linked = conn.execute(sa.select(users.c.person).where(users.c.name == name)).scalar() \
        if NAME_RX.match(name) else None
    return linked or name


def link_account(engine, name: str, person: str) -> tuple[User, str]:
    """Record that account `name` belongs to the same person as account `person`; (the account, the person)."""
    account, main = get_user(engine, name, active_only=False), get_user(engine, person, active_only=False)
    if account is None:
        raise AuthError(f"no user called {normal_name(name)}")
    if main is None:
        raise AuthError(f"no user called {normal_name(person)}")
    with engine.begin() as conn:
        owner = person_of(conn, main.name)  # link to the person's main account, never to a chain of links
        if owner == account.name:
            raise AuthError(f"{account.name} is already {main.name}'s main account; link the other way round")
        conn.execute(users.update().where(users.c.id == account.id).values(person=owner))
        # accounts that pointed at `name` now point at the same person
        conn.execute(users.update().where(users.c.person == account.name).values(person=owner))
    return account, owner


def authenticate(engine, name: str, password: str) -> User | None:
    """The user whose name and password these are, or None (in about the same time either way)."""
    name, row = normal_name(name), None
    if NAME_RX.match(name):  # a name no account can have (a password typed there?) is not even looked up
        with engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name, users.c.active.is_(True))).first()
    ok = verify_password(password or "", row.password if row else _DUMMY_HASH)
    return _user(row) if (row and ok) else None


def disable_user(engine, name: str) -> User:
    """The user can no longer sign in; their sessions end and their API tokens are revoked."""
    user = get_user(engine, name)
    if user is None:
        raise AuthError(f"no active user called {normal_name(name)}")
    t = now()
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == user.id).values(active=False))
        conn.execute(sessions.update().where(sessions.c.user_id == user.id, sessions.c.ended_at.is_(None))
                     .values(ended_at=t))
        conn.execute(api_tokens.update().where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=t))
    return user


def product_secret(engine, name: str) -> bytes:
    """A random secret made once per database (the first process to ask makes it; all then agree)."""
    q = sa.select(secrets_table.c.value).where(secrets_table.c.name == name)
    with engine.connect() as conn:
        value = conn.execute(q).scalar()
    if value is None:
        try:
            with engine.begin() as conn:
                conn.execute(secrets_table.insert().values(name=name, value=secrets.token_hex(32), created_at=now()))
        except sa.exc.IntegrityError:
            pass  # another process made it at the same moment: use theirs
        with engine.connect() as conn:
            value = conn.execute(q).scalar_one()
    return bytes.fromhex(value)


def failure_name(engine, typed: str) -> str:
    """What a failed sign-in is recorded under: the account's name when there is such an account, otherwise
    "unknown:" and 16 hex digits of a keyed hash (HMAC-SHA256, a key of this database) of what was typed.

    The same mistyped name gives the same value, so repeated failures for it are still counted and limited,
    but a password typed into the name box is never stored or shown, and cannot be guessed from the hash
    without the key."""
    name = normal_name(typed)
    if get_user(engine, name, active_only=False) is not None:
        return name
    key = product_secret(engine, "sign_in_failure_names")
    return "unknown:" + hmac.new(key, name.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:16]


# ---------------------------------------------------------------- sessions

def start_session(engine, user: User, hours: float | None = None) -> tuple[str, Session]:
    """A new session: (the cookie value, the session). Only the value's digest is stored."""
    value = secrets.token_urlsafe(32)
    started = now()
    session = Session(user=user, csrf=secrets.token_urlsafe(32),
                      expires_at=started + timedelta(hours=hours if hours is not None else session_hours()))
    with engine.begin() as conn:
        conn.execute(sessions.insert().values(id=_digest(value), user_id=user.id, csrf=session.csrf,
                                              created_at=started, expires_at=session.expires_at))
    return value, session


class SessionExpired(Exception):
    pass


def find_session(engine, value: str | None) -> Session | None:
    """The live session of a cookie value; None when there is none; SessionExpired when it ran out."""
    if not value:
        return None
    q = (sa.select(sessions.c.csrf, sessions.c.expires_at, sessions.c.ended_at, users.c.id, users.c.name,
                   users.c.role, users.c.active)
         .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
         .where(sessions.c.id == _digest(value)))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None or row.ended_at is not None or not row.active:
        return None
    if utc(row.expires_at) <= now():
        raise SessionExpired()
    return Session(user=User(id=row.id, name=row.name, role=row.role), csrf=row.csrf,
                   expires_at=utc(row.expires_at))


def end_session(engine, value: str) -> None:
    with engine.begin() as conn:
        conn.execute(sessions.update().where(sessions.c.id == _digest(value), sessions.c.ended_at.is_(None))
                     .values(ended_at=now()))


def csrf_matches(session: Session, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(session.csrf.encode(), given.encode("utf-8", "replace"))


# ---------------------------------------------------------------- API tokens

def issue_token(engine, name: str) -> tuple[User, str]:
    """A new API token for a user (shown once); the user's earlier tokens stop working."""
    user = get_user(engine, name)
    if user is None:
        raise AuthError(f"no active user called {normal_name(name)}")
    token = "sr_" + secrets.token_urlsafe(32)
    t = now()
    with engine.begin() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=t))
        conn.execute(api_tokens.insert().values(id=_digest(token), user_id=user.id, created_at=t))
    return user, token


def token_user(engine, token: str | None) -> User | None:
    if not token:
        return None
    q = (sa.select(users.c.id, users.c.name, users.c.role)
         .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
         .where(api_tokens.c.id == _digest(token), api_tokens.c.revoked_at.is_(None), users.c.active.is_(True)))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return User(id=row.id, name=row.name, role=row.role) if row else None
