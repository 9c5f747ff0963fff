"""The portal's own Prometheus metrics: each defined once here, incremented where it happens.

Labels are few and bounded (a step, a language, a purpose, a bank's code, an outcome, a URL
name): never an ID number, a mobile number, a username or a raw path, which would both leak
personal data into the monitoring and grow one series per person.

Under gunicorn every worker is its own process, so each counts apart. With
``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts, by systemd), prometheus_client
keeps each value in a memory-mapped file per process in that directory and a scrape adds the
files up (:func:`exposition`). Every metric here has labels, so no value, and no file, exists
until a labelled child is first used: importing this module in gunicorn's master
(``preload_app``) creates nothing that a forked worker would share. Without the directory
(development, tests) the metrics live in :data:`REGISTRY`, in this process.
"""

from __future__ import annotations

import os

from django.conf import settings
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess

#: The registry of the portal's metrics (and of nothing else: no process or GC collectors,
#: which multiprocess mode cannot serve anyway).
REGISTRY = CollectorRegistry(auto_describe=True)

REGISTRATION_STEPS = Counter(
    "portal_registration_steps",
    "Registration wizard steps passed, by step and page language.",
    ["step", "language"],
    registry=REGISTRY,
)
REGISTRATIONS = Counter(
    "portal_registrations",
    "Registrations started (identity step passed) and completed (account created).",
    ["event", "language"],
    registry=REGISTRY,
)
OTP_SENDS = Counter(
    "portal_otp_sends",
    "One-time codes sent by SMS (first sends and resends) or failed to send, by purpose.",
    ["purpose", "outcome"],
    registry=REGISTRY,
)
OTP_VERIFICATIONS = Counter(
    "portal_otp_verifications",
    "One-time codes checked, by purpose and outcome (verified or why refused).",
    ["purpose", "outcome"],
    registry=REGISTRY,
)
SMS_ATTEMPTS = Counter(
    "portal_sms_attempts",
    "SMS send attempts by purpose and the status the attempt itself ended with.",
    ["purpose", "status"],
    registry=REGISTRY,
)
SMS_PROVIDER_REPORTS = Counter(
    "portal_sms_provider_reports",
    "Delivery statuses the SMS provider reported afterwards (status callbacks).",
    ["status"],
    registry=REGISTRY,
)
BANK_CONFIRMATIONS = Counter(
    "portal_bank_confirmations",
    "Bank activation confirmations answered, by bank code, channel and outcome.",
    ["bank", "channel", "outcome"],
    registry=REGISTRY,
)
SIGN_INS = Counter(
    "portal_sign_ins",
    "Sign-in steps passed or failed, by factor (password, sms, totp, recovery_code, webauthn).",
    ["factor", "outcome"],
    registry=REGISTRY,
)
SIGN_IN_LOCKOUTS = Counter(
    "portal_sign_in_lockouts",
    "Lockouts started by a failure (wrong password or code), by the factor that failed.",
    ["factor"],
    registry=REGISTRY,
)
REQUEST_DURATION = Histogram(
    "portal_request_duration_seconds",
    "Time to answer a request, by resolved URL name ('unmatched', 'static' otherwise).",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)

#: The names a scrape shows for each metric (counters gain ``_total``).
METRIC_NAMES = frozenset(
    f"{metric._name}_total" if isinstance(metric, Counter) else metric._name
    for metric in (
        REGISTRATION_STEPS,
        REGISTRATIONS,
        OTP_SENDS,
        OTP_VERIFICATIONS,
        SMS_ATTEMPTS,
        SMS_PROVIDER_REPORTS,
        BANK_CONFIRMATIONS,
        SIGN_INS,
        SIGN_IN_LOCKOUTS,
        REQUEST_DURATION,
    )
)

OTHER = "other"


def language_label(code: str | None) -> str:
    """A page language as a label: one of settings.LANGUAGES, else ``other``."""
    return code if code in dict(settings.LANGUAGES) else OTHER


def _short(value: object) -> str:
    """A label from a value of a bounded set (an enum's value); cut short, never empty."""
    return str(value)[:32] or OTHER


def registration_step_passed(step: str, language: str | None) -> None:
    """A wizard step was stored; passing ``identity`` starts a registration."""
    language = language_label(language)
    REGISTRATION_STEPS.labels(_short(step), language).inc()
    if step == "identity":
        REGISTRATIONS.labels("started", language).inc()


def registration_completed(language: str | None) -> None:
    REGISTRATIONS.labels("completed", language_label(language)).inc()


def otp_sent(purpose: str, *, ok: bool) -> None:
    OTP_SENDS.labels(_short(purpose), "sent" if ok else "failed").inc()


def otp_checked(purpose: str, outcome: str) -> None:
    """``outcome``: ``verified`` or the refusal's code (``wrong_code``, ``expired``...)."""
    OTP_VERIFICATIONS.labels(_short(purpose), _short(outcome)).inc()


def sms_attempt_finished(purpose: str, status: str) -> None:
    SMS_ATTEMPTS.labels(_short(purpose), _short(status)).inc()


def sms_status_reported(status: str) -> None:
    SMS_PROVIDER_REPORTS.labels(_short(status)).inc()


def bank_confirmation(bank: str, channel: str, outcome: str) -> None:
    """``channel`` is validated against ChannelKind before any confirmation is applied."""
    BANK_CONFIRMATIONS.labels(_short(bank), _short(channel), _short(outcome)).inc()


def sign_in(factor: str, *, ok: bool) -> None:
    SIGN_INS.labels(_short(factor), "success" if ok else "failure").inc()


def sign_in_locked(factor: str) -> None:
    SIGN_IN_LOCKOUTS.labels(_short(factor)).inc()


def multiprocess_mode() -> bool:
    """Whether values are kept in files shared by every process (read as prometheus_client
    itself reads it, at import)."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def exposition() -> bytes:
    """The text a scrape returns: every process's values added up, or this process's."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
