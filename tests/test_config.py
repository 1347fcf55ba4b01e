"""Configuration: database URLs, the generated secret key, clear errors for bad settings."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.config import ConfigError, database_url

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://learn.example.org"


def test_postgres_urls_select_psycopg3():
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u:p@h:5432/db") == "postgresql+psycopg://u:p@h:5432/db"


def test_missing_driver_is_a_clear_error():
    with pytest.raises(ConfigError, match="mysql.*cannot load"):
        database_url("mysql://u@h/db")


def test_nonsense_url_is_a_clear_error():
    with pytest.raises(ConfigError, match="not a database URL"):
        database_url("not a url")


def test_secret_key_is_generated_once_and_private(tmp_path):
    first = create_app({"INSTANCE_PATH": str(tmp_path), "PUBLIC_BASE_URL": PUBLIC})
    second = create_app({"INSTANCE_PATH": str(tmp_path), "PUBLIC_BASE_URL": PUBLIC})
    key_file = tmp_path / "secret_key"
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_short_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="too short"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "dev"})


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "PUBLIC_BASE_URL": PUBLIC})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'shopfloor.db'}"


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPFLOOR_PASSWORD_RESET_MINUTES", "15")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    monkeypatch.setenv("SHOPFLOOR_PUBLIC_BASE_URL", "https://learn.example.org/")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["PASSWORD_RESET_MINUTES"] == 15
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("other.db")
    assert app.config["PUBLIC_BASE_URL"] == "https://learn.example.org"  # no trailing slash


def test_cli_reports_a_bad_database_url_without_a_traceback(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": "mysql://root@127.0.0.1/shopfloor",
        "SHOPFLOOR_INSTANCE_PATH": str(tmp_path),
        "SHOPFLOOR_PUBLIC_BASE_URL": PUBLIC,
    }
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "users", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "DATABASE_URL uses 'mysql'" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_a_public_base_url(tmp_path):
    """Links in mail come from configuration, so production must say what it is."""
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is not set"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize(
    "url",
    [
        "learn.example.org",
        "ftp://learn.example.org",
        "https://",
        "https://u:p@x.org",
        "https://x.org/?a=1",
    ],
)
def test_a_public_base_url_that_cannot_work_is_refused(tmp_path, url):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be"):
        create_app({"INSTANCE_PATH": str(tmp_path), "PUBLIC_BASE_URL": url})


def test_trusted_hosts_default_to_the_public_host(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "PUBLIC_BASE_URL": PUBLIC + "/shop/"})
    assert app.config["PUBLIC_BASE_URL"] == PUBLIC + "/shop"
    assert app.config["TRUSTED_HOSTS"] == ["learn.example.org"]
    assert app.config["SESSION_COOKIE_SECURE"] is True  # an https address: Secure cookies
    dev = create_app({"INSTANCE_PATH": str(tmp_path), "DEV_MODE": True})
    assert dev.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert dev.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert dev.config["SESSION_COOKIE_SECURE"] is False
    listed = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "PUBLIC_BASE_URL": PUBLIC,
            "TRUSTED_HOSTS": "a.org, .b.org",
        }
    )
    assert listed.config["TRUSTED_HOSTS"] == ["a.org", ".b.org"]


def test_cli_without_a_public_base_url_says_what_to_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOOR_")}
    env["SHOPFLOOR_INSTANCE_PATH"] = str(tmp_path)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "users", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SHOPFLOOR_PUBLIC_BASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_a_grading_lease_shorter_than_the_longest_grade_is_refused(make_app):
    with pytest.raises(ConfigError, match="LAB_GRADING_LEASE_SECONDS"):
        make_app(LAB_GRADING_LEASE_SECONDS=300)  # a notebook may run 300 s, twice per grade
    with pytest.raises(ConfigError, match="VISIBILITY"):
        make_app(LAB_GRADING_VISIBILITY_SECONDS=600)
