"""The portal's own web font: committed, declared, covering the pages' text, served under the CSP.

Without it Arabic falls back to whatever the device has (thin DejaVu on the test machine). The
browser side (the face actually used, the computed sizes) is in tests/e2e/test_type.py; the
hashed, compressed production files in tests/test_production_server.py.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polib
import pytest
from django.test import Client
from fontTools.ttLib import TTFont

from tools.build_fonts import RANGES, WEIGHTS

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "static" / "fonts"
CSS = ROOT / "static" / "css" / "portal.css"
FAMILY = "IBM Plex Sans Arabic"
#: Drawn by the system's symbol font on purpose: the checklist's marks, not text.
SYMBOLS = {"✓", "✗"}

pytestmark = pytest.mark.django_db


def face_file(subset: str, weight: int) -> Path:
    return FONTS / f"ibm-plex-sans-arabic-{subset}-{weight}.woff2"


def font_faces() -> list[dict[str, str]]:
    """Each @font-face block of the stylesheet as {descriptor: value}."""
    faces = []
    for block in re.findall(r"@font-face\s*\{([^}]*)\}", CSS.read_text(encoding="utf-8")):
        descriptors = {}
        for declaration in block.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                descriptors[name.strip()] = " ".join(value.split())
        faces.append(descriptors)
    return faces


def code_points(unicode_range: str) -> set[int]:
    points: set[int] = set()
    for part in unicode_range.replace("U+", "").split(","):
        first, _, last = part.strip().partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return points


def test_the_font_files_and_their_licence_are_committed():
    for subset in RANGES:
        for weight in WEIGHTS:
            data = face_file(subset, weight).read_bytes()
            assert data[:4] == b"wOF2", f"{subset} {weight} is not WOFF2"
            assert len(data) < 40_000, "a subset file should stay small"
    assert "SIL Open Font License" in (FONTS / "OFL.txt").read_text(encoding="utf-8")


def test_the_stylesheet_declares_each_file_with_swap_and_its_range():
    declared = {face["src"]: face for face in font_faces()}
    for subset, unicodes in RANGES.items():
        for weight in WEIGHTS:
            src = f'url("../fonts/{face_file(subset, weight).name}") format("woff2")'
            assert src in declared, f"portal.css has no @font-face for {src}"
            face = declared[src]
            assert face["font-family"].strip("\"'") == FAMILY
            assert face["font-weight"] == str(weight)
            assert face["font-display"] == "swap"
            assert code_points(face["unicode-range"]) == code_points(unicodes)
    root_family = re.search(r":root\s*\{[^}]*?font-family:\s*([^;]+);", CSS.read_text())
    assert root_family and root_family.group(1).lstrip().startswith(f'"{FAMILY}"')


def page_characters() -> set[str]:
    """Every character the pages can show: the catalogues' texts and the templates."""
    text = []
    for catalogue in ROOT.glob("locale/*/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(catalogue)):
            text += [entry.msgid, entry.msgstr, *entry.msgstr_plural.values()]
    for template in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/**/templates/**/*.html")]:
        if ".venv" not in template.parts:
            text.append(template.read_text(encoding="utf-8"))
    return {
        character
        for character in "".join(text)
        if unicodedata.category(character)[0] not in "CZ" or character == " "
    } - SYMBOLS


@pytest.mark.parametrize("weight", WEIGHTS)
def test_the_font_draws_every_character_of_the_pages(weight):
    """A character no face covers would fall back to a system font in the middle of a word."""
    covered: set[int] = set()
    for subset, unicodes in RANGES.items():
        cmap = TTFont(face_file(subset, weight)).getBestCmap()
        wanted = code_points(unicodes)
        assert wanted & set(cmap), f"{subset} {weight} draws none of its range"
        covered |= wanted & set(cmap)
    missing = sorted(c for c in page_characters() if ord(c) not in covered)
    assert missing == [], [f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in missing]


@pytest.fixture
def static_client(settings) -> Client:
    """A client whose WhiteNoise serves static/ itself, as `make run` does (no collectstatic)."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    return Client()


@pytest.mark.parametrize(("language", "main"), [("ar", "arabic"), ("en", "latin")])
def test_each_language_preloads_its_main_face(static_client, language, main):
    static_client.cookies["django_language"] = language
    html = static_client.get("/").content.decode()
    preloads = re.findall(r"<link rel=\"preload\"[^>]*>", html)
    assert len(preloads) == 1, preloads
    (link,) = preloads
    assert f'href="/static/fonts/ibm-plex-sans-arabic-{main}-400.woff2"' in link
    assert 'as="font"' in link and 'type="font/woff2"' in link
    assert "crossorigin" in link  # fonts are fetched in CORS mode: without it, fetched twice


def test_the_font_is_served_as_woff2_and_the_csp_allows_it(static_client):
    page = static_client.get("/")
    assert "font-src 'self'" in page["Content-Security-Policy"]
    (href,) = re.findall(r'<link rel="preload" href="([^"]+)"', page.content.decode())
    stylesheet = b"".join(static_client.get("/static/css/portal.css").streaming_content)
    assert Path(href).name.encode() in stylesheet
    response = static_client.get(href)
    assert response.status_code == 200
    assert response["Content-Type"] == "font/woff2"
    assert b"".join(response.streaming_content)[:4] == b"wOF2"
