"""Drive the registration wizard through Django's test client, as a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from captcha.models import CaptchaStore
from django.test import Client
from django.urls import reverse

from tests.factories import code_from_sms
from tests.people import CITIZEN_ID, MOBILE, PASSWORD


def step_url(step: str) -> str:
    return reverse("accounts:register_step", kwargs={"step": step})


@dataclass
class RegistrationDriver:
    client: Client
    sms_outbox: list[dict[str, Any]]
    identity: dict[str, str] = field(
        default_factory=lambda: {
            "national_id": CITIZEN_ID,
            "mobile": MOBILE,
            "email": "Person@Example.SA",
        }
    )
    account: dict[str, str] = field(
        default_factory=lambda: {
            "username": "ahmed2024",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "preferred_language": "en",
            "accept_terms": "on",
        }
    )

    def post_step(self, step: str, data: dict[str, str], **extra: Any):
        payload = {f"{step}-{k}": v for k, v in data.items()}
        payload["registration_wizard-current_step"] = step
        return self.client.post(step_url(step), payload, **extra)

    def identity_step(self, **overrides: str):
        self.client.get(step_url("identity"))
        return self.post_step("identity", {**self.identity, **overrides})

    def captcha_answer(self, page_html: str) -> tuple[str, str]:
        key = re.search(r'name="account-captcha_0" value="([0-9a-f]+)"', page_html).group(1)
        return key, CaptchaStore.objects.get(hashkey=key).response

    def account_step(self, *, captcha: str | None = None, **overrides: str):
        page = self.client.get(step_url("account")).content.decode()
        key, answer = self.captcha_answer(page)
        data = {**self.account, **overrides, "captcha_0": key, "captcha_1": captcha or answer}
        return self.post_step("account", data)

    def last_code(self) -> str:
        return code_from_sms(self.sms_outbox[-1])

    def verify_step(self, code: str | None = None):
        return self.post_step("verify", {"code": code if code is not None else self.last_code()})

    def register(self, **identity_overrides: str):
        """Run all three steps with valid data; return the last response."""
        self.identity_step(**identity_overrides)
        self.account_step()
        return self.verify_step()
