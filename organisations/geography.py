"""Norway's counties (the division from 1 January 2024) and how to find them from a
municipality number, whose first two digits are the county's number."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class County(models.TextChoices):
    OSLO = "03", "Oslo"
    ROGALAND = "11", "Rogaland"
    MORE_OG_ROMSDAL = "15", "Møre og Romsdal"
    NORDLAND = "18", "Nordland"
    OSTFOLD = "31", "Østfold"
    AKERSHUS = "32", "Akershus"
    BUSKERUD = "33", "Buskerud"
    INNLANDET = "34", "Innlandet"
    VESTFOLD = "39", "Vestfold"
    TELEMARK = "40", "Telemark"
    AGDER = "42", "Agder"
    VESTLAND = "46", "Vestland"
    TRONDELAG = "50", "Trøndelag"
    TROMS = "55", "Troms"
    FINNMARK = "56", "Finnmark"


# A county's name by its code, built once (``get_county_display`` builds it again per call).
COUNTY_NAMES = dict(County.choices)


def place_name(municipality: str, county: str) -> str:
    """Where an organisation is, as lists show it: "Ørsta, Møre og Romsdal" (either part may
    be missing)."""
    return ", ".join(part for part in (municipality, COUNTY_NAMES.get(county, county)) if part)


class Region(models.TextChoices):
    """The five regions, used where counties are too fine (geography in mentor matching)."""

    EAST = "east", _("Eastern Norway")
    SOUTH = "south", _("Southern Norway")
    WEST = "west", _("Western Norway")
    MID = "mid", _("Central Norway")
    NORTH = "north", _("Northern Norway")


REGION_OF_COUNTY = {
    County.OSLO: Region.EAST,
    County.OSTFOLD: Region.EAST,
    County.AKERSHUS: Region.EAST,
    County.BUSKERUD: Region.EAST,
    County.INNLANDET: Region.EAST,
    County.VESTFOLD: Region.EAST,
    County.TELEMARK: Region.EAST,
    County.AGDER: Region.SOUTH,
    County.ROGALAND: Region.WEST,
    County.VESTLAND: Region.WEST,
    County.MORE_OG_ROMSDAL: Region.WEST,
    County.TRONDELAG: Region.MID,
    County.NORDLAND: Region.NORTH,
    County.TROMS: Region.NORTH,
    County.FINNMARK: Region.NORTH,
}


def county_of_municipality(municipality_number: str) -> County | None:
    try:
        return County(municipality_number[:2])
    except ValueError:
        return None
