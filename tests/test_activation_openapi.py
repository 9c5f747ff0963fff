"""The OpenAPI document of the bank API is served and stays true (design.md §8), under schemathesis.

schemathesis loads the document from the live server. The document declares no links (one
operation, nothing to chain), so the run is stateless; it is wide instead:

- the document's own example, properly signed: it activates the pending account it names;
- schemathesis's coverage phase: every boundary, missing field, wrong type, unexpected method
  and malformed content type it derives from the document, once signed and once unsigned;
- generated requests in both modes (valid and invalid data), properly signed, unsigned, and
  signed wrongly (unknown or revoked key, another private key, a body changed after signing, a
  stale or future ``created``, a signature that leaves out the method or the digest).

Every answer must be documented (status, content type, body schema) and never a 5xx; unsigned
and wrongly signed requests never get past the signature check (401; 405 and 413 come first).
Each test prints how many schemathesis cases it sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial

import hypothesis
import pytest
import requests
import schemathesis
from django.utils import timezone
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from accounts.models import AccountStatus
from activation import keys
from activation.openapi import ACTIVATIONS_PATH
from tests.bank_signing import DEFAULT_COVERED, SigningAuth, register_key, sign_request
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE_E164

pytest_plugins = ["tests.bank_signing"]
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OPENAPI_PATH = "/api/bank/v1/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    unsupported_method,
    allow_header_conformance,
]
#: Generated requests per mode and signing: bounded so the module runs in well under a minute.
MAX_EXAMPLES = 100
#: Properly signed generated requests per mode: the 2 × 100 of the former test_activation_fuzz
#: and the 120 of this module's former basic run, so the merged test sends as many as both.
SIGNED_EXAMPLES = 2 * MAX_EXAMPLES + 120
#: What a request without a valid signature may get: refused before the signature is read
#: (wrong method, body too large) or at it.
REFUSED_UNSIGNED = {401, 405, 413}


def fuzz_settings(max_examples: int = MAX_EXAMPLES) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
    )


def test_openapi_document_is_served_as_json(api_origin):
    response = requests.get(api_origin + OPENAPI_PATH, timeout=30)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    document = response.json()
    assert document["openapi"].startswith("3.1.")
    assert document["servers"] == [{"url": api_origin}]
    operation = document["paths"][ACTIVATIONS_PATH]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header" and p["required"]}
    assert headers == {"Signature", "Signature-Input", "Content-Digest"}
    assert set(operation["responses"]) == {
        *("200", "400", "401", "409", "413", "415", "422", "500", "503")
    }


def test_openapi_document_is_a_valid_openapi_31_schema(api_origin):
    schema = schemathesis.openapi.from_url(api_origin + OPENAPI_PATH)

    schema.validate()  # against the OpenAPI 3.1 meta-schema; raises on any violation
    operations = [result.ok() for result in schema.get_all_operations()]

    assert [(op.method.upper(), op.path) for op in operations] == [("POST", ACTIVATIONS_PATH)]


@pytest.fixture
def schema(api_origin) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(api_origin + OPENAPI_PATH)


@pytest.fixture
def activations(schema, bank_key) -> schemathesis.APIOperation:
    """The one operation; a pending account for the document's example, so valid cases
    reach the account check."""
    make_user("example2026", CITIZEN_ID, MOBILE_E164, status=AccountStatus.PENDING)
    return schema[ACTIVATIONS_PATH]["POST"]


@pytest.fixture
def signing_auth(bank_key) -> SigningAuth:
    key, private_key = bank_key
    return SigningAuth(key_id=key.key_id, private_key=private_key)


@pytest.fixture
def counted() -> Iterator[list[int]]:
    """A one-item list the test adds its case count to; printed for the report."""
    total = [0]
    yield total
    print(f"\n{total[0]} schemathesis cases")


class WrongSigningAuth(SigningAuth):
    """Signs the way a broken or hostile client would; each ``flaw`` breaks one thing."""

    FLAWS = (
        "unknown_key",
        "revoked_key",
        "other_private_key",
        "body_changed_after_signing",
        "stale",
        "from_the_future",
        "method_not_covered",
        "digest_not_covered",
    )

    def __init__(self, flaw: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.flaw = flaw

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        for name in ("Signature", "Signature-Input", "Content-Digest"):
            request.headers.pop(name, None)
        body = request.body or b""
        body = body.encode("utf-8") if isinstance(body, str) else body
        covered = [
            c for c in DEFAULT_COVERED if c != "content-type" or "Content-Type" in request.headers
        ]
        key_id, private_key, created = self.key_id, self.private_key, None
        if self.flaw == "unknown_key":
            key_id = "no-such-key"
        elif self.flaw == "revoked_key":
            key_id = "anb-revoked"
        elif self.flaw == "other_private_key":
            private_key = keys.generate_private_key()
        elif self.flaw == "stale":
            created = datetime.now(UTC) - timedelta(seconds=301)
        elif self.flaw == "from_the_future":
            created = datetime.now(UTC) + timedelta(seconds=60)
        elif self.flaw == "method_not_covered":
            covered.remove("@method")
        elif self.flaw == "digest_not_covered":
            covered.remove("content-digest")
        sign_request(
            request,
            key_id=key_id,
            private_key=private_key,
            covered=tuple(covered),
            created=created,
            body=body if "content-digest" in covered else None,
        )
        if self.flaw == "body_changed_after_signing":
            request.prepare_body(body + b" ", None)
        return request


@pytest.fixture
def revoked_key(anb_bank):
    """A key of the bank that was revoked: signatures made with it no longer count."""
    key, private_key = register_key(anb_bank, "anb-revoked")
    key.is_active, key.revoked_at = False, timezone.now()
    key.save(update_fields=["is_active", "revoked_at"])
    return private_key


def coverage_cases(schema, operation) -> list[schemathesis.Case]:
    """schemathesis's coverage phase for the operation, in both modes (a fixed list)."""
    config = schema.config.generation_for(operation=operation, phase="coverage")
    return list(
        schema.iter_coverage_cases(
            operation, generation_modes=list(GenerationMode), generation_config=config
        )
    )


# --- The coverage phase -------------------------------------------------------------------------


def test_coverage_cases_signed_are_answered_as_documented(
    schema, activations, signing_auth, counted
):
    cases = coverage_cases(schema, activations)

    for case in cases:
        case.call_and_validate(auth=signing_auth, checks=CHECKS)
    counted[0] += len(cases)
    assert len(cases) > 40  # boundaries, types, missing parts, methods, content types


def test_coverage_cases_unsigned_never_pass_the_signature_check(schema, activations, counted):
    for case in coverage_cases(schema, activations):
        response = case.call_and_validate(checks=CHECKS)
        assert response.status_code in REFUSED_UNSIGNED, case.meta
        counted[0] += 1


# --- Generated requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_generated_requests_signed_are_answered_as_documented(
    activations, signing_auth, mode, counted
):
    @fuzz_settings(max_examples=SIGNED_EXAMPLES)
    @hypothesis.given(case=activations.as_strategy(generation_mode=mode))
    def answered_as_documented(case: schemathesis.Case) -> None:
        case.call_and_validate(auth=signing_auth, checks=CHECKS)
        counted[0] += 1

    answered_as_documented()


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_generated_requests_unsigned_are_refused_as_documented(activations, mode, counted):
    @fuzz_settings()
    @hypothesis.given(case=activations.as_strategy(generation_mode=mode))
    def refused(case: schemathesis.Case) -> None:
        response = case.call_and_validate(checks=CHECKS)
        assert response.status_code in REFUSED_UNSIGNED
        counted[0] += 1

    refused()


@pytest.mark.parametrize(
    "signer",
    [SigningAuth, partial(WrongSigningAuth, "none")],
    ids=["signing_auth", "wrong_signer_without_a_flaw"],
)
def test_documented_example_signed_properly_activates_the_pending_account(
    activations, bank_key, signer, counted
):
    """Signed by ``SigningAuth``, and by the wrong signer without a flaw: the control of the
    test below (its signer is right but for the one flaw it adds)."""
    key, private_key = bank_key
    example = activations.definition.raw["requestBody"]["content"]["application/json"]["example"]
    case = activations.Case(body=example, media_type="application/json")

    response = case.call_and_validate(
        auth=signer(key_id=key.key_id, private_key=private_key), checks=CHECKS
    )

    assert response.json() == {"status": "activated"}
    counted[0] += 1


def test_generated_requests_signed_wrongly_are_refused_as_documented(
    activations, bank_key, revoked_key, counted
):
    key, private_key = bank_key
    modes = st.sampled_from(list(GenerationMode))

    @fuzz_settings(max_examples=2 * MAX_EXAMPLES)
    @hypothesis.given(
        case=modes.flatmap(lambda mode: activations.as_strategy(generation_mode=mode)),
        flaw=st.sampled_from(WrongSigningAuth.FLAWS),
    )
    def refused(case: schemathesis.Case, flaw: str) -> None:
        secret = revoked_key if flaw == "revoked_key" else private_key
        auth = WrongSigningAuth(flaw, key_id=key.key_id, private_key=secret)
        response = case.call_and_validate(auth=auth, checks=CHECKS)
        assert response.status_code in REFUSED_UNSIGNED, flaw
        counted[0] += 1

    refused()
