"""`eventhub mail ...`: deliver the outbox and look at it."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from eventhub.extensions import db


@click.group("mail", help="Deliver the e-mail outbox and inspect it.")
def mail_group() -> None:
    pass


@mail_group.command("send", help="Deliver due messages over SMTP (exit code 1 if any failed "
                                 "for good in this run). Safe to run from several processes.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1),
              help="Most messages to deliver in this run.")
@with_appcontext
def send_command(limit: int) -> None:
    from eventhub.mail.service import deliver_pending

    report = deliver_pending(limit=limit)
    click.echo(f"Outbox: {report}.")
    if report.failed:
        sys.exit(1)


@mail_group.command("status", help="Count messages by status; list stuck and failed ones; "
                                   "show the workers' heartbeats.")
@with_appcontext
def status_command() -> None:
    from eventhub.mail.service import failed_messages, outbox_status
    from eventhub.worker import heartbeat_state, recent_heartbeats

    status = outbox_status()
    stuck = status.pop("stuck_sending")
    for name, count in status.items():
        click.echo(f"{name:<8} {count}")
    if stuck:
        click.echo("Stuck in sending for more than 15 minutes (the sender stopped mid-send; "
                   "the mail may have gone out, so it is not resent automatically; check, "
                   "then `eventhub mail retry ID` if it did not): "
                   + ", ".join(str(i) for i in stuck))
    beats = recent_heartbeats()
    if not beats:
        click.echo("No worker has run: nothing delivers the outbox until `eventhub worker` "
                   "(or `eventhub mail send`) runs.")
    for beat in beats:
        click.echo(f"worker {beat.name}: {heartbeat_state(beat)}, last seen "
                   f"{beat.last_seen_at:%Y-%m-%d %H:%M:%S} UTC")
    if status["failed"]:
        click.echo("Most recent failed messages:")
        for message in failed_messages():
            click.echo(f"  {message.id}\t{message.template}\t{message.recipient}\t"
                       f"attempts {message.attempts}\t{message.last_error or ''}")


@mail_group.command("retry", help="Send failed or stuck (sending) messages again.")
@click.argument("message_ids", nargs=-1, required=True, type=int)
@with_appcontext
def retry_command(message_ids: tuple[int, ...]) -> None:
    from eventhub.mail.service import requeue

    try:
        for message_id in message_ids:
            requeue(message_id)
        db.session.commit()
    except (LookupError, ValueError) as exc:
        db.session.rollback()
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"Queued again: {', '.join(str(i) for i in message_ids)}.")
