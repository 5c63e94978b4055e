"""Issue 10: the audit trail is hash-chained and refuses reused ids; accounts belong to people; import rows
without an address or time get fingerprints; a table for the product's own secrets.

- review_audit: `client` (the network address of a sign-in), `prev_hash` and `row_hash` (bot.review.audit_hash),
  filled in for the rows already there (the append-only triggers are lifted for that, in this transaction
  only); on SQLite a trigger refusing an INSERT that reuses an id (REPLACE INTO would delete the old row).
- review_users: `person`, the main account of the same person (bot.auth.link_account).
- review_items: fingerprints for imported rows that had none (the n-th identical row, as bot.review.import_file
  counts them), so re-running an old import adds no copies.
- product_secrets: secrets made once per database (bot.auth.product_secret).

Revision ID: 0002_issue10
Revises: 0001_baseline
"""
import hashlib
import json
from datetime import timezone

import sqlalchemy as sa
from alembic import op

revision = "0002_issue10"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

REFUSE = "review_audit is append-only"
# Frozen copies of bot.review.AUDIT_FIELDS / audit_hash and bot.review.fingerprint as of this revision.
AUDIT_FIELDS = ("at", "item_id", "actor", "action", "from_state", "to_state", "reply_text", "guard_ok", "guard",
                "override_reason", "details", "client")


def _audit_hash(prev_hash, row):
    fields = {}
    for name in AUDIT_FIELDS:
        value = row[name]
        if name == "at":
            value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
            value = value.astimezone(timezone.utc).isoformat(timespec="microseconds")
        fields[name] = value
    blob = json.dumps([prev_hash, fields], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _import_fingerprint(platform, author, text, occurrence):
    parts = [platform, author, text, "", "", f"#{occurrence}"]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("review_audit", sa.Column("client", sa.String(64)))
    op.add_column("review_audit", sa.Column("prev_hash", sa.String(64)))
    op.add_column("review_audit", sa.Column("row_hash", sa.String(64)))
    op.add_column("review_users", sa.Column("person", sa.String(40)))
    op.create_table(
        "product_secrets",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )

    # Chain the rows already there, oldest first.
    types = {"at": sa.DateTime(timezone=True), "guard_ok": sa.Boolean()}
    audit = sa.table("review_audit", *(sa.column(n, types.get(n)) for n in ("id", *AUDIT_FIELDS, "prev_hash",
                                                                            "row_hash")))
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS review_audit_no_update")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE review_audit DISABLE TRIGGER review_audit_no_change")
    prev = None
    for row in bind.execute(sa.select(audit).order_by(audit.c.id)).mappings().all():
        digest = _audit_hash(prev, row)
        bind.execute(audit.update().where(audit.c.id == row["id"]).values(prev_hash=prev, row_hash=digest))
        prev = digest
    if dialect == "sqlite":
        op.execute("CREATE TRIGGER review_audit_no_update BEFORE UPDATE ON review_audit "
                   f"BEGIN SELECT RAISE(ABORT, '{REFUSE}'); END")
        op.execute("CREATE TRIGGER review_audit_no_reuse BEFORE INSERT ON review_audit "
                   "WHEN EXISTS (SELECT 1 FROM review_audit WHERE id = NEW.id) "
                   f"BEGIN SELECT RAISE(ABORT, '{REFUSE}: that id is taken'); END")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE review_audit ENABLE TRIGGER review_audit_no_change")

    # Imported rows without an address or time: the n-th identical one gets the n-th fingerprint.
    items = sa.table("review_items", *(sa.column(n) for n in ("id", "platform", "author", "text", "source",
                                                             "fingerprint")))
    seen = {}
    for row in bind.execute(sa.select(items).where(items.c.source == "import", items.c.fingerprint.is_(None))
                            .order_by(items.c.id)).mappings().all():
        key = (row["platform"], row["author"], row["text"])
        seen[key] = seen.get(key, 0) + 1
        bind.execute(items.update().where(items.c.id == row["id"])
                     .values(fingerprint=_import_fingerprint(*key, seen[key])))


def downgrade() -> None:
    raise NotImplementedError("the product store is only ever migrated forwards")
