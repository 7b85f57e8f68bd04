"""Alembic environment: runs the migrations on the connection Lantai hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import archive.catalog.all_models  # noqa: F401  (registers every table on Base.metadata)
from archive.catalog.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run on the given connection, or on one made from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
