"""The test OpenID Connect provider (server.js, configured like ID-porten) and a browser that
logs in through it: the Django test client for the portal, httpx for the provider.

``npm ci`` in this folder installs the provider (``make test`` does); without node the
tests that need it skip, or fail under REQUIRE_SERVICES=1.
"""

import os
import re
import selectors
import shutil
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from django.urls import reverse

from tests.conftest import need_service

FOLDER = Path(__file__).resolve().parent
CLIENT_ID = "tilskuddsportalen-test"
CLIENT_SECRET = "a-test-secret-that-is-long-enough-0123456789"
PORTAL = "http://testserver"
REDIRECT_PATH = "/account/idporten/callback/"
POST_LOGOUT_REDIRECT_PATH = "/account/idporten/logged-out/"
REDIRECT_URI = PORTAL + REDIRECT_PATH
POST_LOGOUT_REDIRECT_URI = PORTAL + POST_LOGOUT_REDIRECT_PATH
SUBSTANTIAL = "idporten-loa-substantial"


class Provider:
    """A running server.js on loopback."""

    def __init__(self, process: subprocess.Popen, issuer: str):
        self.process = process
        self.issuer = issuer
        self.discovery_url = issuer + "/.well-known/openid-configuration"

    def misbehave(self, mode: str = "") -> None:
        """From now on give ID tokens with this defect (server.js MISBEHAVIOURS); "" mends."""
        httpx.post(self.issuer + "/_test/misbehave", data={"mode": mode}).raise_for_status()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(timeout: float = 30, portal: str = PORTAL) -> Provider:
    """Start the provider on a free port and wait until it serves its discovery document.
    It sends browsers back to ``portal`` (the test client's, or a live server's address)."""
    node = shutil.which("node")
    installed = (FOLDER / "node_modules" / "oidc-provider").is_dir()
    need_service(node is not None and installed, "node and tests/oidc_provider (npm ci)")
    environment = {
        **os.environ,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URI": portal + REDIRECT_PATH,
        "OIDC_POST_LOGOUT_REDIRECT_URI": portal + POST_LOGOUT_REDIRECT_PATH,
    }
    process = subprocess.Popen(
        [node, "server.js"], cwd=FOLDER, env=environment, stdout=subprocess.PIPE, text=True
    )
    provider = Provider(process, _issuer_from(process, timeout))
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(provider.discovery_url, timeout=2).status_code == 200:
                return provider
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            provider.stop()
            raise RuntimeError("The test OpenID Connect provider did not start.")
        time.sleep(0.1)


def _issuer_from(process: subprocess.Popen, timeout: float) -> str:
    """The issuer from the provider's first line, ``listening <issuer>``."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            process.kill()
            raise RuntimeError("The test OpenID Connect provider said nothing.")
    line = process.stdout.readline().split()
    if len(line) != 2 or line[0] != "listening":
        process.kill()
        raise RuntimeError(f"The test OpenID Connect provider did not start: {line}")
    return line[1]


def configure(settings, provider: Provider, portal: str = PORTAL) -> None:
    """Point the portal's ID-porten settings at ``provider``."""
    settings.IDPORTEN_ENABLED = True
    settings.IDPORTEN_DISCOVERY_URL = provider.discovery_url
    settings.IDPORTEN_CLIENT_ID = CLIENT_ID
    settings.IDPORTEN_CLIENT_SECRET = CLIENT_SECRET
    settings.IDPORTEN_REDIRECT_URI = portal + REDIRECT_PATH
    settings.IDPORTEN_POST_LOGOUT_REDIRECT_URI = portal + POST_LOGOUT_REDIRECT_PATH


FORM = re.compile(r"<form[^>]*\baction=\"([^\"]*)\"")
HIDDEN = re.compile(r"<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")


class Browser:
    """One person's browser: ``client`` (Django's test client) for the portal and an httpx
    client, with its own cookies, for the provider."""

    def __init__(self, client, provider: Provider):
        self.client = client
        self.provider = provider
        self.at_provider = httpx.Client(timeout=10)

    def close(self) -> None:
        self.at_provider.close()

    def _at_provider_until_portal(self, url: str, form: dict | None = None) -> str:
        """Follow the provider's pages from ``url`` until it sends the browser back to the
        portal; fill in the TestID form with ``form`` when it is shown. Returns the portal
        address it sends the browser to."""
        response = self.at_provider.get(url)
        for _ in range(10):
            if response.is_redirect:
                url = urljoin(str(response.url), response.headers["location"])
                if not url.startswith(self.provider.issuer):
                    return url
                response = self.at_provider.get(url)
            elif response.status_code == 200 and "TestID" in response.text:
                assert form is not None, "the provider asked to log in again"
                action = urljoin(str(response.url), FORM.search(response.text).group(1))
                response = self.at_provider.post(action, data=form)
            elif response.status_code == 200 and 'id="op.logoutForm"' in response.text:
                action = unescape(FORM.search(response.text).group(1))
                fields = dict(HIDDEN.findall(response.text)) | {"logout": "yes"}
                response = self.at_provider.post(urljoin(str(response.url), action), data=fields)
            else:
                raise AssertionError(
                    f"the provider answered {response.status_code}: {response.text}"
                )
        raise AssertionError("the provider redirected too often")

    def answer_from_idporten(self, pid: str, acr: str = SUBSTANTIAL, next_url: str = "") -> str:
        """Press the ID-porten button and log in at the provider as ``pid``; returns the
        portal address the provider sends the browser back to (not opened yet)."""
        query = {"next": next_url} if next_url else {}
        start = self.client.get(reverse("idporten_login"), query)
        assert start.status_code == 302, start
        assert start["Location"].startswith(self.provider.issuer)
        return self._at_provider_until_portal(start["Location"], {"pid": pid, "acr": acr})

    def open(self, url: str, **kwargs):
        """Open a portal address (absolute, as the provider or an e-mail gives it)."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.client.get(path, **kwargs)

    def log_in(self, pid: str, acr: str = SUBSTANTIAL, next_url: str = "", **kwargs):
        """Log in with ID-porten as ``pid``; returns the portal's answer to the callback."""
        return self.open(self.answer_from_idporten(pid, acr, next_url), **kwargs)

    def log_out(self):
        """Press "Log out" in the portal and follow the provider's logout back; returns the
        portal's answer at the end."""
        response = self.client.post(reverse("logout"))
        if not response["Location"].startswith(self.provider.issuer):
            return response
        return self.open(self._at_provider_until_portal(response["Location"]), follow=True)
