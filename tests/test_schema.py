"""The product store's schema (bot/store.py: ensure_schema, bot/migrations/): created once when replicas start
together on an empty database, the same whether made at once or migrated step by step, and a database made
before migrations existed is brought up to date without losing a row.

PostgreSQL cases run on a fresh, empty database of their own (tests/conftest.py: pg_database), each in a
schema of its own; SQLite cases on a file in the test's tmp directory."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from bot import review
from bot.store import BASELINE, Store, head_revision, product_tables
from tests.conftest import ROOT

START_TOGETHER = """
import sys, time
start_at = float(sys.argv[2])
import bot.auth, bot.practice, bot.review  # everything a replica imports before its store starts
from bot.store import Store
time.sleep(max(0.0, start_at - time.time()))
print(Store(sys.argv[1]).schema)
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def empty_dbs(request, tmp_path):
    """A maker of empty databases (URLs): new SQLite files, or new schemas in a fresh PostgreSQL database."""
    made = []
    base = request.getfixturevalue("pg_database") if request.param == "postgresql" else None
    admin = sa.create_engine(base) if base else None

    def make() -> str:
        name = f"s_{uuid.uuid4().hex[:10]}"
        made.append(name)
        if base is None:
            return f"sqlite:///{tmp_path / name}.db"
        with admin.begin() as conn:
            conn.execute(sa.text(f'create schema "{name}"'))
        return f"{base}?options=-csearch_path%3D{name}"

    yield make
    if admin is not None:
        with admin.begin() as conn:
            for name in made:
                conn.execute(sa.text(f'drop schema "{name}" cascade'))
        admin.dispose()


@pytest.fixture()
def empty_db(empty_dbs) -> str:
    return empty_dbs()


def start_together(url: str, processes: int) -> list[subprocess.CompletedProcess]:
    """`processes` interpreters that each open the store at the same moment (as replicas starting together)."""
    start_at = time.time() + 8  # all of them have imported everything by then
    procs = [subprocess.Popen([sys.executable, "-c", START_TOGETHER, url, str(start_at)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(processes)]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out.decode(), err.decode()))
    return done


def schema_of(url: str) -> dict:
    """Every product table's columns (name, type, nullability), indexes, unique constraints and triggers."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        tables = {}
        for name in sorted(product_tables().tables):
            tables[name] = {
                "columns": sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)),
                "indexes": sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(name)),
                "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)),
                "foreign_keys": sorted((tuple(f["constrained_columns"]), f["referred_table"])
                                       for f in inspector.get_foreign_keys(name)),
            }
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                triggers = conn.execute(sa.text("select name from sqlite_master where type = 'trigger'")).scalars()
            else:
                triggers = conn.execute(sa.text(
                    "select tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid "
                    "where c.relnamespace = current_schema()::regnamespace and not tgisinternal")).scalars()
            tables["triggers"] = sorted(triggers)
        return tables
    finally:
        engine.dispose()


def test_replicas_starting_together_on_an_empty_database_create_the_schema_once(empty_dbs):
    # Before the schema lock, 8 processes starting together failed in 4 of 5 tries (IntegrityError on
    # pg_type_typname_nsp_index, or "table already exists"); two tries make a regression all but certain to show.
    for _ in range(2):
        url = empty_dbs()
        runs = start_together(url, 8)
        for run in runs:
            assert run.returncode == 0, run.stderr[-1500:]
        assert sorted(r.stdout.strip() for r in runs) == ["created"] + ["current"] * 7
        store = Store(url)
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("select version_num from alembic_version")).scalars().all() == [
                head_revision()]
        assert set(product_tables().tables) <= set(sa.inspect(store.engine).get_table_names())
        store.engine.dispose()


def test_migrating_step_by_step_gives_the_same_schema_as_creating_it(empty_dbs):
    """The two ways ensure_schema builds a schema (create_all on an empty database; the migrations on an
    old one) must agree, or one kind of deployment would run with different tables."""
    from alembic import command

    empty_db = empty_dbs()

    from bot.store import _alembic

    engine = sa.create_engine(empty_db)
    with engine.begin() as conn:
        command.upgrade(_alembic(conn), "head")
    engine.dispose()
    migrated = schema_of(empty_db)
    fresh = empty_dbs()
    Store(fresh).engine.dispose()
    created = schema_of(fresh)
    assert migrated == created


def test_a_database_made_before_migrations_is_brought_up_to_date(empty_db):
    """A store made by create_all before issue 10 (no alembic_version, audit rows without hashes, imported
    rows without fingerprints) is stamped as the baseline and migrated: every row kept, the trail chained."""
    from alembic import command

    from bot.store import _alembic

    engine = sa.create_engine(empty_db)
    with engine.begin() as conn:
        command.upgrade(_alembic(conn), BASELINE)
        conn.execute(sa.text("drop table alembic_version"))  # create_all made no such table
        t = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=timezone.utc)
        for n in (1, 2):  # the import bug: the same comment, no address or time, queued twice
            conn.execute(sa.text(
                "insert into review_items (received_at, created_at, platform, author, text, source, route, flags, "
                "comment_triage, reply_text, edited, state, guard_ok, guard, version) values (:t, :t, 'facebook', "
                "'Mo', 'Thanks for the video!', 'import', 'acknowledge', '{}', '{}', 'Thank you!', false, 'pending', "
                "true, '{}', 1)"), {"t": t})
        for action in ("user_add", "intake", "sign_in"):
            conn.execute(sa.text("insert into review_audit (at, actor, action, item_id) values (:t, 'cli:ops', :a, "
                                 ":i)"), {"t": t, "a": action, "i": 1 if action == "intake" else None})
    engine.dispose()

    store = Store(empty_db)
    assert store.schema == "migrated"
    check = review.verify_audit(store.engine)
    assert check.intact and check.rows == 3, check
    with store.engine.connect() as conn:
        prints = conn.execute(sa.text("select fingerprint from review_items order by id")).scalars().all()
        assert conn.execute(sa.text("select count(*) from review_audit where row_hash is null")).scalar() == 0
    comment = {"platform": "facebook", "author": "Mo", "text": "Thanks for the video!", "url": None,
               "received_at": None}
    # the first stored copy is the one a re-run of the import finds as its first such row
    assert prints == [review.fingerprint({**comment, "occurrence": n}) for n in (1, 2)]
    # the append-only triggers are back after the migration lifted them
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(review.audit.update().values(actor="someone else"))
    store.engine.dispose()
