"""The `eventhub` command: a Flask CLI group with the app factory built in."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from eventhub.auth.models import Role
from eventhub.auth.permissions import SYSTEM
from eventhub.errors import DomainError
from eventhub.extensions import db


def _create_app():
    from eventhub import create_app

    return create_app()


def fail(message: str, code: int = 1) -> None:
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(code)


@click.group("users", help="Manage user accounts.")
def users_group() -> None:
    pass


@users_group.command("create", help="Create a user who can sign in with e-mail and password.")
@click.option("--email", required=True, help="Sign-in e-mail address.")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]),
              help="What the user may do.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              envvar="EVENTHUB_NEW_USER_PASSWORD",
              help="Prompted for when omitted (or read from EVENTHUB_NEW_USER_PASSWORD).")
@with_appcontext
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    from eventhub.auth.service import create_user

    try:
        user = create_user(SYSTEM, email=email, name=name, role=Role(role), password=password)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        fail(_describe(exc))
    click.echo(f"Created user {user.email} (id {user.id}, role {user.role}).")


@users_group.command("set-password", help="Give a user a new password. Every session of "
                     "theirs ends: their API tokens are revoked and their page sign-ins end.")
@click.option("--email", required=True, help="The user's sign-in e-mail address.")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True,
              envvar="EVENTHUB_NEW_USER_PASSWORD",
              help="Prompted for when omitted (or read from EVENTHUB_NEW_USER_PASSWORD).")
@with_appcontext
def set_password_command(email: str, password: str) -> None:
    from eventhub.auth.service import find_user_by_email, set_password

    try:
        user = find_user_by_email(SYSTEM, email)
        set_password(SYSTEM, user, password)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        fail(_describe(exc))
    click.echo(f"Changed the password of {user.email}; their sessions have ended.")


@users_group.command("list", help="List user accounts.")
@with_appcontext
def list_users_command() -> None:
    from eventhub.auth.service import list_users

    for user in db.session.scalars(list_users(SYSTEM)):
        state = "active" if user.is_active else "disabled"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t{state}\t{user.name}")


@click.command("seed", help="Load a reference record. Running it again changes nothing.")
@click.argument("record", type=click.Choice(["2024"]))
@with_appcontext
def seed_command(record: str) -> None:
    from seed_2024.loader import load_reference_record

    try:
        report = load_reference_record()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        fail(_describe(exc))
    click.echo(report)


@click.command("export", help="Write an edition with everything under it as a JSON bundle.")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: standard output).")
@click.option("--include-personal", is_flag=True,
              help="Include contact details, needs, focal points and credential files.")
@with_appcontext
def export_command(slug: str, output: str | None, include_personal: bool) -> None:
    from eventhub.archive.bundle import dumps, export_edition

    try:
        text = dumps(export_edition(SYSTEM, slug, include_personal=include_personal))
    except DomainError as exc:
        fail(_describe(exc))
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"Exported {slug} to {output}.", err=True)
    else:
        click.echo(text, nl=False)


@click.command("import", help="Load an edition bundle, all or nothing.")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def import_command(file) -> None:
    import json

    from eventhub.archive.bundle import import_bundle

    try:
        document = json.load(file)
    except json.JSONDecodeError as exc:
        fail(f"{file.name} is not JSON: {exc}")
    except UnicodeDecodeError:
        fail(f"{file.name} is not a JSON text file (is it compressed?).")
    try:
        edition = import_bundle(SYSTEM, document)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        # A bundle's problems each name a place in it: one line each.
        fail("\n".join([exc.detail, *(f"  {e['field']}: {e['message']}"
                                       for e in exc.field_errors())]))
    click.echo(f"Imported edition {edition.slug} ({edition.status.value}).")


@click.group("retention", help="Retention rules for personal data.")
def retention_group() -> None:
    pass


@retention_group.command("anonymize", help="Anonymize one archived edition now.")
@click.argument("slug")
@with_appcontext
def anonymize_command(slug: str) -> None:
    from eventhub.archive.service import anonymize

    try:
        report = anonymize(SYSTEM, slug)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        fail(_describe(exc))
    click.echo(f"Anonymized {slug}: " + ", ".join(f"{k} {v}" for k, v in report.items()))


@retention_group.command("run", help="Anonymize archived editions older than "
                                     "EVENTHUB_RETENTION_DAYS (for a daily timer).")
@with_appcontext
def retention_run_command() -> None:
    from flask import current_app

    from eventhub.worker import run_retention

    days = current_app.config["EVENTHUB_RETENTION_DAYS"]
    if days <= 0:
        click.echo("EVENTHUB_RETENTION_DAYS is 0: automatic anonymization is off.")
        return
    slugs = run_retention(days)
    for slug in slugs:
        click.echo(f"Anonymized {slug}.")
    if not slugs:
        click.echo("Nothing to do.")


@click.command("serve", help="Run the development server (use gunicorn in production).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--worker/--no-worker", "with_worker", default=False, show_default=True,
              help="Also run the background worker (`eventhub worker`) in a process of its "
                   "own, stopped with the server.")
@with_appcontext
def serve_command(host: str, port: int, with_worker: bool) -> None:
    import os
    import signal
    import subprocess

    from flask import current_app
    from werkzeug.serving import run_simple

    from eventhub.settings import listening_base_url

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["EVENTHUB_PUBLIC_BASE_URL_IS_DEFAULT"]:
        # Development without PUBLIC_BASE_URL: links in mail lead to this server.
        app.config["EVENTHUB_PUBLIC_BASE_URL"] = listening_base_url(host, port)
    base = f"http://{host}:{port}"
    click.echo(f"EventHub API docs: {base}/api/docs")
    click.echo(f"OpenAPI document:  {base}/api/openapi.json")
    click.echo(f"Web pages:         {base}/ (archive), {base}/login (staff)")
    click.echo(f"Links in e-mails:  {app.config['EVENTHUB_PUBLIC_BASE_URL']}")
    worker = None
    if with_worker:
        env = {**os.environ,
               "EVENTHUB_PUBLIC_BASE_URL": app.config["EVENTHUB_PUBLIC_BASE_URL"]}
        if not env.get("EVENTHUB_DATABASE_URL"):
            env["EVENTHUB_DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
        worker = subprocess.Popen([sys.executable, "-m", "eventhub", "worker"], env=env)
        click.echo(f"Worker:            process {worker.pid} delivers the outbox")
    sys.stdout.flush()
    # SIGTERM ends the server like Ctrl-C, so that the worker is stopped with it.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        # Flask's app.run() refuses to block inside a CLI command; run werkzeug directly.
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if worker is not None:
            _stop_process(worker)


def _stop_process(process) -> None:
    """Stop a child process started by `serve --worker` (it finishes the message it sends)."""
    import subprocess

    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _describe(exc: DomainError) -> str:
    details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.field_errors())
    return f"{exc.detail} ({details})" if details and details not in exc.detail else exc.detail


def register_cli(app: Flask) -> None:
    from eventhub.i18n_cli import i18n_group
    from eventhub.mail.cli import mail_group
    from eventhub.worker import worker_command

    app.cli.add_command(mail_group)
    app.cli.add_command(worker_command)
    app.cli.add_command(users_group)
    app.cli.add_command(seed_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
    app.cli.add_command(retention_group)
    app.cli.add_command(i18n_group)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False,
             help="EventHub: editions, directory, programme and statements of the "
                  "Sub-Forum on Migration Management Cooperation.")
def main() -> None:
    pass
