"""The ``rendezvous`` command is Rendezvous's own (SPEC §12): its help and version, a
password asked rather than typed in the command line, and servers on PostgreSQL that refuse
to start without the shared secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from server.cli import create_user_command

RENDEZVOUS = Path(sys.executable).with_name("rendezvous")


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    base = {k: v for k, v in os.environ.items() if not k.startswith("RENDEZVOUS_")}
    return subprocess.run(
        [str(RENDEZVOUS), *args],
        env=base | (env or {}),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_rendezvous_commands_and_no_flask_options(tmp_path):
    done = _run("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("init-db", "serve", "worker", "create-user", "demo", "rotate-keys"):
        assert f"  {command} " in done.stdout
    for leak in ("--app", "--env-file", "--debug", "Flask", "limiter", "openapi"):
        assert leak not in done.stdout


def test_version_is_the_packages(tmp_path):
    done = _run("--version", cwd=tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, f"rendezvous {version('rendezvous')}")


@pytest.mark.parametrize("command", [["serve", "--bind", "127.0.0.1:1"], ["worker", "--once"]])
def test_servers_on_postgresql_refuse_to_start_without_the_secret_key(command, tmp_path):
    env = {
        "RENDEZVOUS_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "RENDEZVOUS_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    done = _run(*command, env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert "RENDEZVOUS_SECRET_KEY: required with PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "instance" / "secret_key").exists()


@pytest.mark.db
def test_create_user_asks_for_the_password_twice_without_echoing_it(app, client):
    result = app.test_cli_runner().invoke(
        create_user_command,
        ["--email", "bea@example.com", "--name", "Bea"],
        input="long enough secret\nlong enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "long enough secret" not in result.output
    login = {"email": "bea@example.com", "password": "long enough secret"}
    assert client.post("/api/v1/auth/tokens", json=login).status_code == 201


@pytest.mark.db
def test_create_user_takes_the_password_from_the_environment(app, client):
    result = app.test_cli_runner().invoke(
        create_user_command,
        ["--email", "cy@example.com", "--name", "Cy"],
        env={"RENDEZVOUS_USER_PASSWORD": "from the environment"},
    )
    assert result.exit_code == 0, result.output
    login = {"email": "cy@example.com", "password": "from the environment"}
    assert client.post("/api/v1/auth/tokens", json=login).status_code == 201
