"""The ``offline_twilio`` fixture; test modules load it with ``pytest_plugins``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.twilio_fakes import OfflineHttpClient, configure_twilio


@pytest.fixture
def offline_twilio(settings, monkeypatch) -> OfflineHttpClient:
    """``SMS_BACKEND="twilio"`` whose transport is one offline client for the whole test.

    The backend imports ``twilio.http.http_client.TwilioHttpClient`` when it sends: that
    library class, the last step before the network, is what is replaced here.
    """
    configure_twilio(settings, monkeypatch)
    http = OfflineHttpClient()

    def transport(timeout: float | None = None, **_kwargs: Any) -> OfflineHttpClient:
        assert timeout == settings.TWILIO_TIMEOUT_SECONDS  # the backend never waits forever
        return http

    monkeypatch.setattr("twilio.http.http_client.TwilioHttpClient", transport)
    return http
