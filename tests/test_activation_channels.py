"""Activation channels come from the database, in the reader's language (issue 4, item 1)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from activation.models import ActivationChannel, Bank

pytestmark = pytest.mark.django_db


def render_channels(language: str) -> str:
    with translation.override(language):
        return Template("{% load activation_tags %}{% activation_channels %}").render(Context())


def test_seeded_banks_and_channels_are_those_of_the_seed_guide():
    assert {b.code: b.name_en for b in Bank.objects.all()} == {
        "anb": "Arab National Bank",
        "alrajhi": "Al Rajhi Bank",
    }
    kinds = {
        code: [c.kind for c in ActivationChannel.objects.filter(bank__code=code)]
        for code in ("anb", "alrajhi")
    }
    assert kinds == {"anb": ["online", "atm", "app"], "alrajhi": ["online", "atm", "app", "phone"]}
    phone = ActivationChannel.objects.get(bank__code="alrajhi", kind="phone")
    assert "920003344" in phone.name_en
    assert "920003344" in phone.name_ar
    assert all(c.steps_ar and c.steps_en for c in ActivationChannel.objects.all())


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", ["Arab National Bank", "Arabi Net", "MOI services"]), ("ar", ["مصرف الراجحي"])],
)
def test_channels_render_in_the_readers_language(language, expected):
    html = render_channels(language)
    for text in expected:
        assert text in html


def test_edited_and_hidden_channels_show_as_edited():
    atm = ActivationChannel.objects.get(bank__code="anb", kind="atm")
    atm.steps_en = "Go to any ANB ATM.\n\nFollow the new menu."
    atm.save()
    ActivationChannel.objects.filter(bank__code="alrajhi", kind="phone").update(is_active=False)

    html = render_channels("en")

    assert "<li>Go to any ANB ATM.</li><li>Follow the new menu.</li>" in html
    assert "920003344" not in html


def test_a_bank_with_no_shown_channel_is_left_out():
    Bank.objects.filter(code="anb").update(is_active=False)
    html = render_channels("en")
    assert "Arab National Bank" not in html
    assert "Al Rajhi Bank" in html


# --- Issue 14 item 7: channels that look expandable, numbers that dial -------------------------


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_phone_banking_number_is_a_tel_link_isolated_left_to_right(language):
    html = render_channels(language)
    assert '<a href="tel:920003344"><bdi dir="ltr">920003344</bdi></a>' in html


def test_only_the_channels_own_number_is_linked_never_other_digits():
    phone = ActivationChannel.objects.get(bank__code="alrajhi", kind="phone")
    phone.steps_en = "Call 920003344.\nPress 5, then 4.\nOr call 0112345678 <b>now</b>."
    phone.save()
    html = render_channels("en")
    assert html.count('href="tel:') == 1
    assert "<li>Press 5, then 4.</li>" in html
    assert "0112345678 &lt;b&gt;now&lt;/b&gt;." in html  # the text stays escaped


def test_a_phone_number_must_be_digits_to_be_saved():
    from django.core.exceptions import ValidationError

    phone = ActivationChannel.objects.get(bank__code="alrajhi", kind="phone")
    phone.phone_number = "92000 javascript:"
    with pytest.raises(ValidationError) as raised:
        phone.full_clean()
    assert "phone_number" in raised.value.message_dict


def test_channels_are_disclosures_with_a_visible_summary():
    html = render_channels("en")
    assert html.count('<details class="channel') == 7
    assert html.count('<summary class="channel-summary">') == 7
    assert html.count('<div class="channel-text">') == 7
