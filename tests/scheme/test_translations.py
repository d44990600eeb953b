"""Every text the portal shows has its Norwegian translation: Norwegian is the default
language, and an untranslated string would show English to someone who chose Norwegian."""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["scheme", "organisations", "grants", "mentoring", "courses", "reports", "templates"]


def _entries(po: Path, *flags) -> list[str]:
    out = subprocess.run(
        ["msgattrib", *flags, "--no-wrap", str(po)], capture_output=True, text=True, check=True
    ).stdout
    return [line for line in out.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def test_every_string_has_its_norwegian_translation(tmp_path):
    need_service(shutil.which("msgattrib") is not None, "gettext (msgattrib, xgettext)")
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "nb", "-v", "0"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        check=True,
    )
    po = tmp_path / "locale/nb/LC_MESSAGES/django.po"
    assert _entries(po, "--untranslated") == []
    assert _entries(po, "--only-fuzzy") == []
