"""Alembic environment, run through Flask-Migrate (`eventhub db ...`)."""

import logging
import warnings
from logging.config import fileConfig

from alembic import context
from flask import current_app

from eventhub import schema_check
from eventhub.extensions import UTCDateTime

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db

# Alembic's own comparison plus eventhub.schema_check: CHECK constraints (an enum's values
# among them) and, on SQLite, expression indexes, which Alembic does not compare itself.
AUTOGENERATE_PLUGINS = ["alembic.autogenerate.*", schema_check.PLUGIN_NAME]
# On SQLite, SQLAlchemy and Alembic skip expression indexes with these warnings;
# schema_check compares them instead.
warnings.filterwarnings("ignore", message="autogenerate skipping metadata-specified "
                                          "expression-based index")
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of "
                                          "expression-based index")


def render_item(type_, obj, autogen_context):
    # Migrations must not import application code, which changes over time: our UTC
    # timestamp type is stored as a plain timezone-aware DateTime.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline():
    context.configure(url=str(target_db.engine.url), target_metadata=target_db.metadata,
                      literal_binds=True, render_as_batch=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_autogenerate(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("autogenerate_plugins", AUTOGENERATE_PLUGINS)

    with target_db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations copy and drop tables; with foreign keys enforced, dropping a
            # parent table would cascade into its children's rows.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=target_db.metadata,
                          **conf_args)
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "sqlite":
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
