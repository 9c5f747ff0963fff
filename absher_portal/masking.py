"""Masking a mobile number for pages, admin lists and records: enough to recognise it."""

from __future__ import annotations


def mask_mobile(mobile: str) -> str:
    """Show the country code and the last three digits of an E.164 number."""
    if len(mobile) < 7:
        return mobile
    return f"{mobile[:4]}{'•' * (len(mobile) - 7)}{mobile[-3:]}"
