"""CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads æøå), semicolons between
columns and decimal commas, as Norwegian spreadsheets expect. The report exports and the
public list of awarded grants write their files with these."""

import csv
import datetime
import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

# Text a spreadsheet would run as a formula (names and descriptions are typed by users).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """One value as spreadsheet text: ``95000.5`` -> ``95000,50``; yes or no in the reader's
    language; a datetime in Oslo time; text that would start a formula behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_writer(out):
    return csv.writer(out, delimiter=";", lineterminator="\r\n")


def encode(text: str) -> bytes:
    return text.encode("utf-8-sig")


def csv_bytes(header, rows) -> bytes:
    """A whole file of ``rows`` under ``header``."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(header)
    writer.writerows([cell(value) for value in row] for row in rows)
    return encode(out.getvalue())
