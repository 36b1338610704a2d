"""The ``rendezvous`` command (SPEC §10 "Command line")."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import threading
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext

from server import create_app
from server.accounts.services import user_by_email
from server.clock import utcnow
from server.config import InvalidSetting
from server.db import get_session
from server.errors import ValidationFailed
from server.migrate import upgrade
from server.timezones import is_valid_timezone, zone

DEMO_EMAIL = "alice@example.com"
DEMO_PASSWORD = "rendezvous-demo"


class _BadSetting(click.ClickException):
    exit_code = 2


def _create_app() -> Flask:
    """The app, or a one-line error naming the bad setting (exit status 2), not a traceback."""
    try:
        return create_app()
    except InvalidSetting as exc:
        raise _BadSetting(str(exc)) from exc


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rendezvous")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    _version(), "--version", prog_name="rendezvous", message="%(prog)s %(version)s"
)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Rendezvous: meeting links, booking widget, no double booking.

    Settings come from the environment (RENDEZVOUS_*); the instance folder (database,
    secret key, built files, mail) is RENDEZVOUS_INSTANCE_PATH, by default ./instance.
    """
    if ctx.invoked_subcommand in ("serve", "worker"):
        _require_shared_secret()  # before the app exists: it would make a key of its own
    if ctx.obj is None:  # (Flask's test runner brings its own app)
        ctx.obj = ScriptInfo(create_app=_create_app, set_debug_flag=False)


def _require_shared_secret() -> None:
    """Several servers on one PostgreSQL must sign sessions with one key: a key generated
    into each machine's instance folder would log visitors out between machines (SPEC §12).

    :raise _BadSetting: PostgreSQL without RENDEZVOUS_SECRET_KEY (exit status 2).
    """
    url = os.environ.get("RENDEZVOUS_DATABASE_URL", "")
    if url.startswith("postgresql") and not os.environ.get("RENDEZVOUS_SECRET_KEY"):
        raise _BadSetting(
            "RENDEZVOUS_SECRET_KEY: required with PostgreSQL; give every server and worker "
            "the same key (and RENDEZVOUS_ENCRYPTION_KEYS), for example from "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


@main.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the database to the newest schema (alembic upgrade head)."""
    upgrade(current_app.config["RENDEZVOUS_DATABASE_URL"])
    click.echo("Database is up to date.")


@main.command("rotate-keys")
@with_appcontext
def rotate_keys_command() -> None:
    """Re-encrypt every stored secret with the first key of RENDEZVOUS_ENCRYPTION_KEYS.

    Put the new key first and keep the old ones after it; run this; then drop the old keys.
    """
    import server.models
    from server.crypto import UndecryptableSecret, rotate_keys

    try:
        rotated = rotate_keys(get_session(), server.models.metadata)
    except UndecryptableSecret as exc:
        raise click.ClickException(str(exc)) from exc
    if not rotated:
        click.echo("Nothing needed rotating: no column of the schema is encrypted.")
    for table, count in rotated.items():
        click.echo(f"{table}: {count} value{'' if count == 1 else 's'} rotated")


@main.command("create-user")
@click.option("--email", required=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="RENDEZVOUS_USER_PASSWORD",
    help="Asked for when not given (or RENDEZVOUS_USER_PASSWORD): a password in the command "
    "line is seen by every user of the machine.",
)
@click.option("--name", required=True)
@click.option("--timezone", "timezone_name", default="UTC", show_default=True)
@with_appcontext
def create_user_command(email: str, password: str, name: str, timezone_name: str) -> None:
    """Create a host in a new account, with the preset 15/30/60-minute links."""
    from server.accounts.signup import sign_up

    if not is_valid_timezone(timezone_name):
        raise click.BadParameter("unknown time zone", param_hint="--timezone")
    session = get_session()
    try:
        user = sign_up(session, email=email, password=password, name=name, timezone=timezone_name)
    except ValidationFailed as exc:
        raise click.ClickException(
            "; ".join(m for ms in (exc.fields or {}).values() for m in ms)
        ) from exc
    click.echo(
        f"Created user {user.id} ({user.email}) with prefix /meetings/{user.meetings_prefix}/"
    )


@main.command("demo")
@with_appcontext
def demo() -> None:
    """A demo host with the preset links and weekday hours, subscribed to the sample agenda
    the app serves (its busy time keeps slots away); prints the URLs to try."""
    from server.accounts.signup import sign_up
    from server.calendars.services import subscribe_feed_body, user_connections
    from server.demo.feed import DEMO_ZONE, sample_feed

    session = get_session()
    user = user_by_email(session, DEMO_EMAIL)
    if user is None:
        user = sign_up(
            session,
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            name="Alice Martin",
            timezone=DEMO_ZONE,
        )
        click.echo("Demo host created.")
    base = current_app.config["RENDEZVOUS_BASE_URL"]
    agenda = f"{base}/demo/calendar.ics"
    if not user_connections(session, user):
        today = utcnow().astimezone(zone(DEMO_ZONE)).date()
        subscribe_feed_body(session, user, agenda, sample_feed(today), utcnow())
        click.echo("Demo host subscribed to the sample agenda.")
    first = utcnow().astimezone(zone(user.timezone)).date() + timedelta(days=1)
    last = first + timedelta(days=13)
    prefix = user.meetings_prefix
    sample = _write_sample_host_page(base, f"{prefix}/30min")
    click.echo(f"Host login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
    click.echo(f"Booking page: {base}/meetings/{prefix}/30min")
    click.echo(f"Sample agenda (its busy time blocks slots): {agenda}")
    click.echo(f"Sample host page with the embed code: {sample}")
    click.echo(f"Link config:  {base}/api/v1/public/links/{prefix}/30min")
    click.echo(
        f"Slots:        {base}/api/v1/public/links/{prefix}/30min/slots"
        f"?start={first}&end={last}&timezone=Europe/Paris"
    )
    click.echo(f"OpenAPI:      {base}/api/v1/openapi.json")


def _write_sample_host_page(base: str, slug: str) -> str:
    """A page like a customer's, with the embed snippet in it, to open in a browser."""
    from pathlib import Path

    from server.bundle import bundled

    template = bundled("snippets", "examples", "plain.html")
    page = Path(current_app.instance_path) / "sample-host-page.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(template.read_text().replace("{{APP}}", base).replace("{{SLUG}}", slug))
    return str(page)


@main.command("serve")
@click.option("--bind", default="127.0.0.1:5000", show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve(bind: str, workers: int) -> None:
    """Serve with gunicorn (``server:create_app()``).

    Each request is logged as one JSON line on stderr by the app (server.operations), so
    gunicorn keeps no access log of its own. The workers' metrics are summed through a folder
    of the instance, emptied at each start (prometheus_client's multiprocess mode).
    """
    app = _create_app()  # a bad setting stops here, with its message, before any worker
    _ensure_widget(app.instance_path)
    metrics = os.path.join(app.instance_path, "metrics")
    shutil.rmtree(metrics, ignore_errors=True)
    os.makedirs(metrics, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics
    # gunicorn of this interpreter, wherever its scripts were installed (a venv, --user, …)
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--config",
            "python:server.operations.gunicorn_conf",
            "server:create_app()",
        ],
    )


def _ensure_widget(instance_path: str) -> None:
    """An installed package puts its widget's files in the instance folder before the
    workers start: the wheel's own build, or a new one when its sources changed (a checkout
    builds with ``make assets``)."""
    from server.bundle import installed

    if installed():
        from server.assets import ensure_built

        ensure_built(instance_path)


@main.command("build-assets")
def build_assets_command() -> None:
    """Build the widget's hashed, compressed files: into widget/static/build/ of a checkout,
    into the instance folder's widget-build/ for an installed package."""
    from server.assets import BUILD, build_assets, instance_build
    from server.bundle import installed

    build = instance_build(_create_app().instance_path) if installed() else BUILD
    for name, path in build_assets(build).items():
        click.echo(f"{name}: {build / path.removeprefix('build/')}")


def _sync_calendars() -> int:
    """One pass over the calendars whose sync is due (SPEC §5), in a session of its own."""
    from server.calendars.services import sync_due

    with current_app.extensions["rendezvous.db"]() as session:
        return len(sync_due(session, utcnow()))


def _write_calendars() -> int:
    """One pass over the due write-back jobs (SPEC §5): each booking's event in the host's
    default calendar, in a session of its own."""
    from server.calendars.writeback import run_calendar_jobs

    with current_app.extensions["rendezvous.db"]() as session:
        return run_calendar_jobs(session, utcnow())


def _deliver_webhooks(stop: threading.Event | None = None) -> tuple[int, int, int]:
    """One pass over the due webhook deliveries (SPEC §10), in a session of its own:
    how many were delivered, will be retried, failed for good."""
    from server.webhooks.delivery import run_pass

    report = run_pass(stop)
    return report.delivered, report.retried, report.failed


@main.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option(
    "--interval",
    default=2.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds between passes over the outbox.",
)
@with_appcontext
def worker(once: bool, interval: float) -> None:
    """Send the outbox's emails when due: over SMTP (RENDEZVOUS_SMTP_URL), or as .eml files
    under RENDEZVOUS_MAIL_DIR; write the bookings' events to the hosts' calendars and sync
    the calendars that are due; POST the webhooks' deliveries. Several workers may run at
    once; SIGTERM stops one cleanly."""
    from server.notifications.worker import Worker

    try:
        runner = Worker.from_app(current_app)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="RENDEZVOUS_SMTP_URL") from exc
    smtp = current_app.config.get("RENDEZVOUS_SMTP_URL")
    target = "SMTP" if smtp else current_app.config["RENDEZVOUS_MAIL_DIR"]
    if once:
        report = runner.drain()
        written = _write_calendars()
        synced = _sync_calendars()
        delivered, retrying, undeliverable = _deliver_webhooks()
        click.echo(
            f"Sent {report.sent}, retrying {report.retried}, failed {report.failed}, "
            f"dropped {report.dropped} ({target}); {synced} calendar(s) synced; "
            f"{written} calendar event(s) written or retried; webhooks: {delivered} "
            f"delivered, {retrying} retrying, {undeliverable} failed."
        )
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Worker: sending the outbox to {target} every {interval:g} s (SIGTERM stops).")

    def deliver_webhooks() -> object:
        return _deliver_webhooks(stop)

    runner.run(stop, interval=interval, also=(_write_calendars, _sync_calendars, deliver_webhooks))
