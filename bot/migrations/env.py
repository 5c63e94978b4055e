"""Alembic's environment for the product store (bot/store.py: ensure_schema runs it; nothing here is run by hand).

The connection comes from `config.attributes["connection"]`, already inside the transaction that holds the
schema lock, so two processes never migrate at once.
"""
from alembic import context

from bot.store import metadata, product_tables

config = context.config
connection = config.attributes["connection"]
product_tables()  # every module's tables are on `metadata`

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
    # Only the product's tables: Rasa's tracker store (`events`) may share the database.
    include_name=lambda name, type_, parent: type_ != "table" or name in metadata.tables,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
