"""Look-up in the Brønnøysund registers' open API (Enhetsregisteret, data.brreg.no).

``GET {BRREG_API_URL}/enheter/{orgnr}`` answers 200 with the entity, 404 when the number is
unknown and 410 when the entity has been removed (the body then carries ``slettedato``). No
authentication is needed. The look-up only ever prefills a form: every failure becomes a
``LookupFailed`` whose message tells the user why, so they can type the details themselves.
"""

import datetime
import logging
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from organisations.geography import county_of_municipality

log = logging.getLogger(__name__)


class LookupFailed(Exception):
    """The register gave no usable answer; ``str(error)`` is a message for the user."""


@dataclass(frozen=True)
class RegisterEntry:
    org_number: str
    name: str
    street_address: str
    postal_code: str
    postal_place: str
    municipality: str
    municipality_number: str
    county: str
    founded: datetime.date | None
    in_voluntary_register: bool | None
    website: str

    def as_initial(self) -> dict:
        """The entry as form field values; empty values are left out."""
        return {name: value for name, value in self.__dict__.items() if value not in ("", None)}


def lookup(org_number: str) -> RegisterEntry:
    if not settings.BRREG_ENABLED:
        raise LookupFailed(_("Look-up in the Brønnøysund registers is switched off."))
    url = f"{settings.BRREG_API_URL.rstrip('/')}/enheter/{org_number}"
    try:
        response = httpx.get(
            url, timeout=settings.BRREG_TIMEOUT, headers={"Accept": "application/json"}
        )
    except httpx.TimeoutException:
        raise LookupFailed(
            _("The Brønnøysund registers did not answer in time. Please type the details.")
        ) from None
    except httpx.HTTPError as error:
        log.warning("Brønnøysund look-up failed: %s", error)
        raise LookupFailed(
            _("The Brønnøysund registers could not be reached. Please type the details.")
        ) from None
    if response.status_code == 404:
        raise LookupFailed(_("The Brønnøysund registers have no organisation with this number."))
    if response.status_code == 410:
        removed = _date(_json(response).get("slettedato"))
        raise LookupFailed(
            _("This organisation was removed from the Brønnøysund registers on %(date)s.")
            % {"date": date_format(removed, "SHORT_DATE_FORMAT") if removed else "?"}
        )
    if response.status_code != 200:
        log.warning("Brønnøysund look-up answered %s", response.status_code)
        raise LookupFailed(
            _("The Brønnøysund registers could not answer just now. Please type the details.")
        )
    return _entry(_json(response))


def _json(response) -> dict:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise LookupFailed(
            _("The Brønnøysund registers gave an unreadable answer. Please type the details.")
        )
    return data


def _entry(data: dict) -> RegisterEntry:
    address = data.get("forretningsadresse") or data.get("postadresse") or {}
    municipality_number = address.get("kommunenummer") or ""
    county = county_of_municipality(municipality_number)
    website = data.get("hjemmeside") or ""
    if website and not website.startswith(("http://", "https://")):
        website = f"https://{website}"
    return RegisterEntry(
        org_number=data.get("organisasjonsnummer", ""),
        name=data.get("navn", ""),
        street_address=", ".join(address.get("adresse") or []),
        postal_code=address.get("postnummer") or "",
        postal_place=_place_name(address.get("poststed")),
        municipality=_place_name(address.get("kommune")),
        municipality_number=municipality_number,
        county=county.value if county else "",
        founded=_date(data.get("stiftelsesdato")),
        in_voluntary_register=data.get("registrertIFrivillighetsregisteret"),
        website=website,
    )


def _place_name(value) -> str:
    """``NORE OG UVDAL`` -> ``Nore og Uvdal``; the register writes place names in capitals."""
    words = (value or "").lower().split()
    return " ".join(
        word if word in ("og", "i") else "-".join(part.capitalize() for part in word.split("-"))
        for word in words
    )


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
