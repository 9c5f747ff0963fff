"""Which browser, on which system: read from the user agent by ``ua-parser`` (design.md §19).

``ua-parser`` matches the user agent against the regexes of uap-core, shipped inside the
installed ``ua-parser-builtins`` package: nothing is fetched at run time. Its family names are
shortened to what a person calls their browser ("Chrome Mobile" is Chrome, "Mobile Safari"
is Safari, "Mac OS X" is macOS). The user agent is written by the client, so a name is kept
only as printable text without directional or other invisible controls, and bounded.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from ua_parser import parse

#: Longest browser or system name kept (the SMS names the browser in at most 40 characters).
NAME_MAX = 40
#: Longest user agent kept with a session record.
USER_AGENT_MAX = 300

_BROWSERS = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "HeadlessChrome": "Chrome",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "Samsung Internet": "Samsung Internet",
}
_SYSTEMS = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
#: What uap-core answers when no regex matched.
_UNKNOWN = "Other"


@dataclass(frozen=True)
class Browser:
    """A browser's name and its system's, each "" when the user agent does not say."""

    name: str
    platform: str


def clean_name(text: str) -> str:
    """``text`` as printable characters only (no controls, no bidi marks), spaces collapsed,
    at most :data:`NAME_MAX` long."""
    kept = "".join(char for char in text if unicodedata.category(char)[0] != "C")
    return " ".join(kept.split())[:NAME_MAX].strip()


def clean_user_agent(user_agent: str) -> str:
    """The user agent as kept with a session record: no control characters, bounded."""
    kept = "".join(char for char in user_agent if unicodedata.category(char)[0] != "C")
    return kept[:USER_AGENT_MAX]


def identify(user_agent: str) -> Browser:
    """The browser and system a user agent names ("Chrome", "Android"), as a person says them."""
    result = parse(user_agent[:USER_AGENT_MAX]) if user_agent else None
    browser = result.user_agent.family if result and result.user_agent else ""
    system = result.os.family if result and result.os else ""
    browser = "" if browser == _UNKNOWN else _BROWSERS.get(browser, browser)
    system = "" if system == _UNKNOWN else _SYSTEMS.get(system, system)
    return Browser(name=clean_name(browser), platform=clean_name(system))


def describe(name: str, platform: str) -> str:
    """The browser in words in the active language: "Chrome on Android", "Chrome", or "".

    In Arabic the names, written left to right, are isolated (U+2066 … U+2069), so they keep
    their places in a plain-text message such as the SMS (decision 203).
    """
    if get_language_bidi():
        name, platform = (f"\u2066{text}\u2069" if text else "" for text in (name, platform))
    if name and platform:
        return _("%(browser)s on %(platform)s") % {"browser": name, "platform": platform}
    if name:
        return name
    if platform:
        return _("A browser on %(platform)s") % {"platform": platform}
    return ""
