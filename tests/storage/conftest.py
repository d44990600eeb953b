"""A real S3 API server on loopback: moto in server mode (a dev dependency), started once per
session in its own process. Each test that asks for ``object_store`` gets an empty bucket of
its own, the private storage configured for it from the environment variables production sets
(so scheme/settings.py is what is tested), and an empty MEDIA_ROOT that must stay empty.

Without moto the tests skip, and fail under REQUIRE_SERVICES=1.
"""

import re
import runpy
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
import requests

from tests.conftest import need_service
from tests.grants.conftest import call, caseworker, participant, scheme_year  # noqa: F401
from tests.reports.conftest import postgres_shared  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
KEY = "portal-tests"  # moto takes any key and secret


def settings_made_from(variables: dict) -> dict:
    """The names scheme/settings.py defines when the environment also holds ``variables``."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        return runpy.run_path(str(ROOT / "scheme" / "settings.py"))


def hidden_value(page: str, name: str) -> str:
    """The value of the page's hidden field ``name`` (a one-time or CSRF token)."""
    match = re.search(rf'name="{re.escape(name)}" value="([^"]+)"', page) or re.search(
        rf'value="([^"]+)" name="{re.escape(name)}"', page
    )
    assert match, f"no {name} on the page"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{process.args[0]} stopped (exit {process.returncode})"
        try:
            requests.get(url, timeout=5)
        except requests.RequestException:  # not listening yet, or still starting
            time.sleep(0.1)
        else:
            return
    raise AssertionError(f"{url} did not answer in {timeout} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def s3_server():
    """The S3 API's address, served by ``moto_server`` on a free loopback port."""
    program = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    need_service(program is not None, "moto_server (pip install -e '.[dev]')")
    endpoint = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen(
        [program, "-H", "127.0.0.1", "-p", endpoint.rsplit(":", 1)[1]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_answering(endpoint, server)
        yield endpoint
    finally:
        stop(server)


class ObjectStore:
    """One bucket on the server, and what a process needs to use it."""

    def __init__(self, endpoint):
        self.bucket = f"portal-{uuid.uuid4().hex[:12]}"
        self.env = {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": endpoint,
            "S3_ACCESS_KEY_ID": KEY,
            "S3_SECRET_ACCESS_KEY": KEY,
            "S3_REGION": "us-east-1",
        }
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=KEY,
            aws_secret_access_key=KEY,
            region_name="us-east-1",
        )
        self.client.create_bucket(Bucket=self.bucket)

    def keys(self, prefix="") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))

    def read(self, key) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def acl_grants(self, key) -> list[dict]:
        return self.client.get_object_acl(Bucket=self.bucket, Key=key)["Grants"]

    def private_storage_settings(self, **extra) -> dict:
        """STORAGES["private"] as scheme/settings.py makes it from these variables."""
        return settings_made_from({**self.env, **extra})["PRIVATE_STORAGE"]


@pytest.fixture
def object_store(s3_server, settings, tmp_path):
    """An empty bucket, the private storage in it, and MEDIA_ROOT an empty folder."""
    store = ObjectStore(s3_server)
    settings.STORAGES = {**settings.STORAGES, "private": store.private_storage_settings()}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield store
    assert not Path(settings.MEDIA_ROOT).exists(), "a private file was written to disk"
