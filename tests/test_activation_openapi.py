"""The OpenAPI document of the bank API is served and stays true (DESIGN §8).

schemathesis loads the document from the live server and sends a bounded number of generated
requests (valid and invalid data) plus the document's own example. Every request is
signed properly by ``SigningAuth``, so cases reach past the signature check to the content
type, JSON, field and account checks. Each answer must be documented: no 5xx, a documented
status code and content type, a body matching its schema.
"""

from __future__ import annotations

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import AccountStatus
from activation.openapi import ACTIVATIONS_PATH
from tests.bank_signing import SigningAuth
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE_E164

# The fixtures anb_bank, bank_key, api_origin and signer. The serialized rollback restores the
# seeded banks before each test and flushes without re-creating content types afterwards, as
# other serialized live-server tests expect.
pytest_plugins = ["tests.bank_signing"]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OPENAPI_PATH = "/api/bank/v1/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Generated requests per generation mode (valid data, invalid data): bounded, a few seconds.
MAX_EXAMPLES = 120


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
def activations(api_origin, bank_key) -> schemathesis.APIOperation:
    """The API's one operation, as schemathesis reads it from the served document."""
    schema = schemathesis.openapi.from_url(api_origin + OPENAPI_PATH)
    return schema[ACTIVATIONS_PATH]["POST"]


@pytest.fixture
def signing_auth(bank_key) -> SigningAuth:
    key, private_key = bank_key
    return SigningAuth(key_id=key.key_id, private_key=private_key)


def test_documented_example_activates_a_pending_account(activations, signing_auth):
    make_user("example2026", CITIZEN_ID, MOBILE_E164, status=AccountStatus.PENDING)
    example = activations.definition.raw["requestBody"]["content"]["application/json"]["example"]
    case = activations.Case(body=example, media_type="application/json")

    response = case.call_and_validate(auth=signing_auth, checks=CHECKS)

    assert response.json() == {"status": "activated"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_are_answered_as_documented(activations, signing_auth, mode):
    # The account the example names is pending, so some valid cases get as far as it.
    make_user("example2026", CITIZEN_ID, MOBILE_E164, status=AccountStatus.PENDING)

    @hypothesis.given(case=activations.as_strategy(generation_mode=mode))
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def answered_as_documented(case: schemathesis.Case) -> None:
        case.call_and_validate(auth=signing_auth, checks=CHECKS)

    answered_as_documented()
