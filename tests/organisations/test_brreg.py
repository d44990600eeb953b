"""Look-up in the Brønnøysund registers, against a stand-in for Enhetsregisteret on loopback.

The stand-in answers ``GET /enheter/{orgnr}`` in the shape data.brreg.no documents: 200 with the
entity, 404 for an unknown number, 410 Gone (with ``slettedato``) for a removed entity. It also
has a number that answers too slowly and numbers that answer with a body that is not an entity.
"""

import datetime
import json
import socket
import threading
import time
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from organisations import brreg
from organisations.models import Organisation
from organisations.orgnr import fictional_orgnr, format_orgnr

FOUND = fictional_orgnr(91000000)
UNKNOWN = fictional_orgnr(91000002)
REMOVED = fictional_orgnr(91000004)
SLOW = fictional_orgnr(91000006)
TRUNCATED = fictional_orgnr(91000008)
NOT_JSON = fictional_orgnr(91000010)
NOT_AN_OBJECT = fictional_orgnr(91000012)
SERVER_ERROR = fictional_orgnr(91000014)
SPARSE = fictional_orgnr(91000016)
YOUNG = fictional_orgnr(91000018)

TIMEOUT = 0.5
SLOW_FOR = 5.0  # seconds; well past TIMEOUT, and cut short when the stand-in shuts down

ENTITY = {
    "organisasjonsnummer": FOUND,
    "navn": "FRIVILLIGSENTRALEN I NORE OG UVDAL",
    "organisasjonsform": {
        "kode": "FLI",
        "beskrivelse": "Forening/lag/innretning",
        "_links": {
            "self": {"href": "https://data.brreg.no/enhetsregisteret/api/organisasjonsformer/FLI"}
        },
    },
    "hjemmeside": "www.frivilligsentralen-noreoguvdal.no",
    "registreringsdatoEnhetsregisteret": "2005-03-01",
    "registrertIMvaregisteret": False,
    "naeringskode1": {
        "kode": "94.991",
        "beskrivelse": "Aktiviteter i andre interesseorganisasjoner",
    },
    "antallAnsatte": 0,
    "harRegistrertAntallAnsatte": False,
    "forretningsadresse": {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": "3630",
        "poststed": "RØDBERG",
        "adresse": ["Sentrumsvegen 12", "2. etasje"],
        "kommune": "NORE OG UVDAL",
        "kommunenummer": "3338",
    },
    "postadresse": {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": "3631",
        "poststed": "RØDBERG",
        "adresse": ["Postboks 44"],
        "kommune": "NORE OG UVDAL",
        "kommunenummer": "3338",
    },
    "stiftelsesdato": "2005-02-14",
    "institusjonellSektorkode": {"kode": "7000", "beskrivelse": "Ideelle organisasjoner"},
    "registrertIForetaksregisteret": False,
    "registrertIStiftelsesregisteret": False,
    "registrertIFrivillighetsregisteret": True,
    "konkurs": False,
    "underAvvikling": False,
    "underTvangsavviklingEllerTvangsopplosning": False,
    "maalform": "Bokmål",
    "_links": {"self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{FOUND}"}},
}

GONE = {
    "organisasjonsnummer": REMOVED,
    "navn": "NEDLAGT VELFORENING",
    "slettedato": "2020-01-01",
    "_links": {"self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{REMOVED}"}},
}


# Only a postal address, no founding date, not in Frivillighetsregisteret, a full website URL.
SPARSE_ENTITY = {
    "organisasjonsnummer": SPARSE,
    "navn": "BJØRKELANGEN INNVANDRERFORENING",
    "organisasjonsform": {"kode": "FLI", "beskrivelse": "Forening/lag/innretning"},
    "hjemmeside": "http://innvandrerforening.example.no",
    "postadresse": {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": "1940",
        "poststed": "BJØRKELANGEN",
        "adresse": ["Postboks 7"],
        "kommune": "AURSKOG-HØLAND",
        "kommunenummer": "3226",
    },
    "registrertIFrivillighetsregisteret": False,
}


# A young association in Frivillighetsregisteret: it may apply to the scheme (browser tests).
YOUNG_ENTITY = ENTITY | {
    "organisasjonsnummer": YOUNG,
    "navn": "TØYEN SPRÅKVENNER",
    "hjemmeside": "",
    "stiftelsesdato": (datetime.date.today() - datetime.timedelta(days=730)).isoformat(),
    "forretningsadresse": {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": "0655",
        "poststed": "OSLO",
        "adresse": ["Hagegata 24"],
        "kommune": "OSLO",
        "kommunenummer": "0301",
    },
    "_links": {"self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{YOUNG}"}},
}


class StandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), EnhetsregisteretHandler)
        self.requested: list[str] = []
        self.closing = threading.Event()

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/enhetsregisteret/api"


class EnhetsregisteretHandler(BaseHTTPRequestHandler):
    prefix = "/enhetsregisteret/api/enheter/"

    def do_GET(self):
        if not self.path.startswith(self.prefix):
            return self.answer(404, {"status": 404, "error": "Not Found", "path": self.path})
        number = self.path.removeprefix(self.prefix)
        self.server.requested.append(number)
        if number == FOUND:
            return self.answer(200, ENTITY)
        if number == SPARSE:
            return self.answer(200, SPARSE_ENTITY)
        if number == YOUNG:
            return self.answer(200, YOUNG_ENTITY)
        if number == REMOVED:
            return self.answer(410, GONE)
        if number == SLOW:
            self.server.closing.wait(SLOW_FOR)
            return self.answer(200, ENTITY | {"organisasjonsnummer": SLOW})
        if number == TRUNCATED:
            return self.answer(200, json.dumps(ENTITY)[:60])
        if number == NOT_JSON:
            return self.answer(200, "<html><body>Vedlikehold</body></html>", "text/html")
        if number == NOT_AN_OBJECT:
            return self.answer(200, [ENTITY])
        if number == SERVER_ERROR:
            return self.answer(500, {"status": 500, "error": "Internal Server Error"})
        return self.answer(
            404,
            {
                "timestamp": "2024-05-02T10:00:00.000+00:00",
                "status": 404,
                "error": "Not Found",
                "message": "Ingen enhet med organisasjonsnummer " + number + " ble funnet",
                "path": "/enhetsregisteret/api/enheter/" + number,
            },
        )

    def answer(self, status, body, content_type="application/json"):
        data = body if isinstance(body, str) else json.dumps(body)
        payload = data.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the slow number)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def register():
    """The stand-in server, running in a thread; yields it (``.url`` is the base URL)."""
    server = StandIn()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def enabled(settings, register):
    """Look-ups switched on and pointed at the stand-in."""
    settings.BRREG_ENABLED = True
    settings.BRREG_API_URL = register.url
    settings.BRREG_TIMEOUT = TIMEOUT
    return register


@pytest.fixture
def closed_port_url():
    """A loopback URL on which nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/enhetsregisteret/api"


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def failure(number) -> str:
    with pytest.raises(brreg.LookupFailed) as error:
        brreg.lookup(number)
    return str(error.value)


# --- lookup() ----------------------------------------------------------------------------------


def test_found_maps_every_field(enabled, english):
    entry = brreg.lookup(FOUND)
    assert entry == brreg.RegisterEntry(
        org_number=FOUND,
        name="FRIVILLIGSENTRALEN I NORE OG UVDAL",
        street_address="Sentrumsvegen 12, 2. etasje",
        postal_code="3630",
        postal_place="Rødberg",
        municipality="Nore og Uvdal",
        municipality_number="3338",
        county="33",
        founded=datetime.date(2005, 2, 14),
        in_voluntary_register=True,
        website="https://www.frivilligsentralen-noreoguvdal.no",
    )
    assert enabled.requested == [FOUND]


def test_found_with_only_a_postal_address(enabled):
    entry = brreg.lookup(SPARSE)
    assert entry.street_address == "Postboks 7"
    assert entry.postal_place == "Bjørkelangen"
    assert entry.municipality == "Aurskog-Høland"
    assert entry.county == "32"
    assert entry.founded is None
    assert entry.in_voluntary_register is False
    assert entry.website == "http://innvandrerforening.example.no"
    initial = entry.as_initial()
    assert initial["in_voluntary_register"] is False  # "no" is an answer, kept
    assert "founded" not in initial


def test_found_gives_form_initial_values_without_the_empty_ones(enabled, settings):
    settings.BRREG_API_URL = enabled.url + "/"  # a trailing slash in the setting is fine
    initial = brreg.lookup(FOUND).as_initial()
    assert initial["county"] == "33"
    assert initial["in_voluntary_register"] is True
    assert "org_number" in initial


def test_unknown_number_says_so(enabled, english):
    message = failure(UNKNOWN)
    assert "no organisation with this number" in message
    assert enabled.requested == [UNKNOWN]


def test_removed_organisation_says_when(enabled, english):
    message = failure(REMOVED)
    assert "removed" in message
    assert "01.01.2020" in message


def test_removed_date_follows_the_language(enabled):
    with translation.override("nb"):
        message = failure(REMOVED)
    assert "01.01.2020" in message


def test_slow_register_times_out_quickly(enabled, english):
    started = time.monotonic()
    message = failure(SLOW)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert elapsed >= TIMEOUT * 0.9
    assert "did not answer in time" in message
    assert "type the details" in message


def test_unreachable_register(settings, closed_port_url, english):
    settings.BRREG_ENABLED = True
    settings.BRREG_API_URL = closed_port_url
    settings.BRREG_TIMEOUT = TIMEOUT
    started = time.monotonic()
    message = failure(FOUND)
    assert time.monotonic() - started < 2.0
    assert "could not be reached" in message
    assert "type the details" in message


@pytest.mark.parametrize("number", [TRUNCATED, NOT_JSON, NOT_AN_OBJECT])
def test_malformed_answer(enabled, english, number):
    message = failure(number)
    assert "unreadable answer" in message


def test_server_error(enabled, english):
    assert "could not answer just now" in failure(SERVER_ERROR)


def test_switched_off_asks_nothing(settings, register, english):
    settings.BRREG_ENABLED = False
    settings.BRREG_API_URL = register.url
    assert "switched off" in failure(FOUND)
    assert register.requested == []


def test_tests_run_with_the_lookup_switched_off():
    assert django_settings.BRREG_ENABLED is False


@pytest.mark.parametrize(
    ("capitals", "name"),
    [
        ("NORE OG UVDAL", "Nore og Uvdal"),
        ("AURSKOG-HØLAND", "Aurskog-Høland"),
        ("SANDE I VESTFOLD", "Sande i Vestfold"),
        ("OSLO", "Oslo"),
        ("", ""),
        (None, ""),
    ],
)
def test_place_names_are_written_as_names(capitals, name):
    assert brreg._place_name(capitals) == name


# --- the profile form --------------------------------------------------------------------------


class FormValues(HTMLParser):
    """What a browser would send back from the page's form: the field values as rendered."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, object] = {}
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                if "checked" in attrs:
                    self.values.setdefault(name, []).append(attrs.get("value"))
            elif kind not in ("submit", "button"):
                self.values[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            # As in a browser, a newline right after <textarea> is not part of the value.
            self.values[self._textarea] = self.values[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(response) -> dict:
    parser = FormValues()
    parser.feed(response.content.decode())
    return parser.values


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def caseworker_client(client, caseworker):
    client.force_login(caseworker)
    return client


TYPED = {
    "kind": "participant",
    "name": "Rødberg kvinneforum",
    "description": "Vi møtes hver tirsdag for språkkafé.",
    "municipality": "Nore og Uvdal",
    "email": "post@kvinneforum.example.org",
}


def post(client, url, data, lookup=False):
    if lookup:
        data = data | {"lookup": "1"}
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def test_caseworker_fetches_details_without_saving(enabled, caseworker_client):
    before = Organisation.objects.count()
    response = post(
        caseworker_client,
        reverse("organisations:create"),
        TYPED | {"org_number": format_orgnr(FOUND), "name": ""},
        lookup=True,
    )
    assert response.status_code == 200
    assert Organisation.objects.count() == before
    assert enabled.requested == [FOUND]
    values = form_values(response)
    assert values["name"] == "FRIVILLIGSENTRALEN I NORE OG UVDAL"
    assert values["org_number"] == format_orgnr(FOUND)
    assert values["street_address"] == "Sentrumsvegen 12, 2. etasje"
    assert values["postal_code"] == "3630"
    assert values["postal_place"] == "Rødberg"
    assert values["municipality"] == "Nore og Uvdal"
    assert values["municipality_number"] == "3338"
    assert values["county"] == "33"
    assert values["founded"] == "2005-02-14"
    assert values["in_voluntary_register"] == "true"
    assert values["website"] == "https://www.frivilligsentralen-noreoguvdal.no"
    # What the register does not know stays as typed.
    assert values["kind"] == "participant"
    assert values["description"] == TYPED["description"]
    assert values["email"] == TYPED["email"]
    assert any("fetched from the Brønnøysund registers" in m for m in page_messages(response))
    assert not response.context["form"].is_bound  # no errors shown for a look-up


def test_fetched_details_can_then_be_saved(enabled, caseworker_client):
    url = reverse("organisations:create")
    fetched = post(caseworker_client, url, TYPED | {"org_number": FOUND}, lookup=True)
    response = post(caseworker_client, url, form_values(fetched))
    organisation = Organisation.objects.get(org_number=FOUND)
    assert response.status_code == 302
    assert organisation.name == "FRIVILLIGSENTRALEN I NORE OG UVDAL"
    assert organisation.county == "33"
    assert organisation.founded == datetime.date(2005, 2, 14)
    assert organisation.in_voluntary_register is True
    assert organisation.description == TYPED["description"]


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (SLOW, "did not answer in time"),
        (UNKNOWN, "no organisation with this number"),
        (REMOVED, "removed from the Brønnøysund registers on 01.01.2020"),
        (TRUNCATED, "unreadable answer"),
    ],
)
def test_failed_lookup_says_why_and_keeps_the_input(enabled, caseworker_client, number, reason):
    before = Organisation.objects.count()
    url = reverse("organisations:create")
    typed = TYPED | {"org_number": format_orgnr(number)}
    started = time.monotonic()
    response = post(caseworker_client, url, typed, lookup=True)
    assert time.monotonic() - started < 2.0
    assert response.status_code == 200
    assert Organisation.objects.count() == before
    assert any(reason in m for m in page_messages(response))
    assert reason in response.content.decode()
    values = form_values(response)
    for name, value in typed.items():
        assert values[name] == value


def test_unreachable_register_never_blocks_saving(
    settings, closed_port_url, caseworker_client, english
):
    settings.BRREG_ENABLED = True
    settings.BRREG_API_URL = closed_port_url
    settings.BRREG_TIMEOUT = TIMEOUT
    url = reverse("organisations:create")
    typed = TYPED | {"org_number": format_orgnr(FOUND)}
    response = post(caseworker_client, url, typed, lookup=True)
    assert any("could not be reached" in m for m in page_messages(response))
    values = form_values(response)
    assert values["name"] == TYPED["name"]
    assert values["description"] == TYPED["description"]
    assert not Organisation.objects.filter(org_number=FOUND).exists()

    saved = post(caseworker_client, url, values)
    assert saved.status_code == 302
    organisation = Organisation.objects.get(org_number=FOUND)
    assert organisation.name == TYPED["name"]
    assert organisation.description == TYPED["description"]


def test_switched_off_lookup_says_so_and_keeps_the_input(register, caseworker_client):
    response = post(
        caseworker_client, reverse("organisations:create"), TYPED | {"org_number": FOUND}, True
    )
    assert any("switched off" in m for m in page_messages(response))
    assert form_values(response)["name"] == TYPED["name"]
    assert register.requested == []


@pytest.mark.parametrize(
    ("typed_number", "reason"),
    [
        ("123 456 78", "exactly 9 digits"),
        (FOUND[:-1] + str((int(FOUND[-1]) + 1) % 10), "the last digit does not match"),
        ("", "This field is required"),
    ],
)
def test_invalid_number_is_explained_and_nothing_is_asked(
    enabled, caseworker_client, typed_number, reason
):
    before = Organisation.objects.count()
    typed = TYPED | {"org_number": typed_number}
    response = post(caseworker_client, reverse("organisations:create"), typed, lookup=True)
    assert response.status_code == 200
    assert any(reason in m for m in page_messages(response))
    assert enabled.requested == []
    assert Organisation.objects.count() == before
    values = form_values(response)
    assert values.pop("org_number").replace(" ", "") == typed.pop("org_number").replace(" ", "")
    for name, value in typed.items():
        assert values[name] == value


@pytest.fixture
def own_organisation(participant):
    participant.org_number = FOUND
    participant.name = "Frivilligsentralen"
    participant.description = "Kaffe og prat."
    participant.save()
    return participant


def test_member_fetches_details_for_their_own_organisation(
    enabled, client, member, own_organisation
):
    client.force_login(member)
    url = reverse("organisations:edit", args=[own_organisation.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "org_number" not in form_values(page)
    typed = form_values(page) | {"description": "Kaffe, prat og leksehjelp."}

    response = post(client, url, typed, lookup=True)
    assert response.status_code == 200
    assert enabled.requested == [FOUND]
    values = form_values(response)
    assert values["name"] == "FRIVILLIGSENTRALEN I NORE OG UVDAL"
    assert values["municipality"] == "Nore og Uvdal"
    assert values["county"] == "33"
    assert values["description"] == "Kaffe, prat og leksehjelp."
    own_organisation.refresh_from_db()
    assert own_organisation.name == "Frivilligsentralen"
    assert own_organisation.municipality == "Oslo"
    assert own_organisation.description == "Kaffe og prat."

    saved = post(client, url, values)
    assert saved.status_code == 302
    own_organisation.refresh_from_db()
    assert own_organisation.name == "FRIVILLIGSENTRALEN I NORE OG UVDAL"
    assert own_organisation.municipality == "Nore og Uvdal"
    assert own_organisation.county == "33"
    assert own_organisation.founded == datetime.date(2005, 2, 14)
    assert own_organisation.description == "Kaffe, prat og leksehjelp."
    assert own_organisation.org_number == FOUND


def test_member_lookup_uses_their_organisations_number(enabled, client, member, own_organisation):
    """A member cannot change the number, so a number in the request is not what is looked up."""
    client.force_login(member)
    url = reverse("organisations:edit", args=[own_organisation.pk])
    typed = form_values(client.get(url)) | {"org_number": REMOVED}
    post(client, url, typed, lookup=True)
    assert enabled.requested == [FOUND]


def test_member_cannot_fetch_into_another_organisations_profile(
    enabled, client, member, other_participant
):
    client.force_login(member)
    url = reverse("organisations:edit", args=[other_participant.pk])
    response = client.post(url, {"lookup": "1", "name": "x"})
    assert response.status_code == 404
    assert enabled.requested == []


def test_caseworker_fetches_into_an_existing_profile_without_saving(
    enabled, caseworker_client, own_organisation
):
    url = reverse("organisations:edit", args=[own_organisation.pk])
    typed = form_values(caseworker_client.get(url))
    response = post(caseworker_client, url, typed, lookup=True)
    assert form_values(response)["name"] == "FRIVILLIGSENTRALEN I NORE OG UVDAL"
    own_organisation.refresh_from_db()
    assert own_organisation.name == "Frivilligsentralen"


def test_lookup_for_a_new_organisation_is_for_caseworkers_only(enabled, client, member):
    client.force_login(member)
    response = client.post(reverse("organisations:create"), {"lookup": "1", "org_number": FOUND})
    assert response.status_code == 403
    assert enabled.requested == []
