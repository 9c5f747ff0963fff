"""Masking a mobile number for pages, admin lists and records: enough to recognise it."""

from __future__ import annotations


def mask_mobile(mobile: str) -> str:
    """Show the country code and the last three digits of an E.164 number."""
    if len(mobile) < 7:
        return mobile
    return f"{mobile[:4]}{'•' * (len(mobile) - 7)}{mobile[-3:]}"


def mask_mobile_local(mobile: str) -> str:
    """Show a Saudi mobile as people write it (``05X XXX XXXX``), masked like ``mask_mobile``.

    ``+966551234567`` becomes ``05• ••• •567``: the national form the person typed, grouped as
    it is read out, with the same digits hidden as in the international form (the ``5`` every
    Saudi mobile starts with tells nothing). Any other number falls back to ``mask_mobile``.
    """
    if not (mobile.startswith("+9665") and len(mobile) == 13):
        return mask_mobile(mobile)
    local = "0" + mobile[4:]
    masked = local[:2] + "•" * 5 + local[-3:]
    return f"{masked[:3]} {masked[3:6]} {masked[6:]}"
