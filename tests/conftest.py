"""Shared fixtures: real objects built through the project's own services."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.otp_helpers import START as OTP_START
from tests.people import CITIZEN_ID, MOBILE_E164, OTHER_MOBILE, PASSWORD, RESIDENT_ID


@pytest.hookimpl(tryfirst=True)  # before pytest-django's (also tryfirst, registered earlier)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run serialized-rollback tests before plain transactional ones, whatever their files.

    A plain transactional test's flush re-creates content types and permissions
    (``post_migrate``); a serialized-rollback test after it would insert them again and fail
    with a duplicate key. This stable sort runs first; pytest-django's stable sort then puts
    transactional tests after the others, keeping this order among them.
    """

    def plain(item: pytest.Item) -> bool:
        marker = item.get_closest_marker("django_db")
        return not (marker and marker.kwargs.get("serialized_rollback"))

    items.sort(key=plain)


#: The runtime role's credentials, when this run has two roles (read before any switch).
_runtime_role: dict[str, object] = {}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """With two database roles, the test database is created and migrated by the owner.

    The run is then configured as production is: ``DATABASE_URL`` names the runtime role and
    ``DATABASE_MIGRATION_URL`` the owner (``make test-runtime-role``, decision 131).
    """
    from django.db import connection

    from absher_portal import database_roles

    if database_roles.separate_roles():
        _runtime_role.update(
            {key: connection.settings_dict[key] for key in database_roles.CONNECTION_KEYS}
        )
    with database_roles.migration_owner():
        yield


def _as_owner(method):
    """``method``, run as the owner: how tests reset the database, never what the portal does."""
    from absher_portal.database_roles import migration_owner

    def run(*args, **kwargs):
        with migration_owner():
            return method(*args, **kwargs)

    return run


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After the owner has made the test database: grant, then run every test as the runtime role.

    Only what tests do to reset the database between tests (``flush``, the serialized
    rollback's reload) runs as the owner again: the runtime role may not truncate the history.
    """
    if not _runtime_role:
        yield
        return
    from django.conf import settings
    from django.core.management.commands import flush
    from django.db import connection
    from django.db.backends.base.creation import BaseDatabaseCreation

    from absher_portal import database_roles

    test_database = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        database_roles.grant_runtime_privileges(
            connection=connection, role=str(_runtime_role["USER"])
        )
    database_name = settings.MIGRATION_DATABASE["NAME"]
    settings.MIGRATION_DATABASE["NAME"] = test_database
    patches = pytest.MonkeyPatch()
    patches.setattr(flush.Command, "handle", _as_owner(flush.Command.handle))
    patches.setattr(
        BaseDatabaseCreation,
        "deserialize_db_from_string",
        _as_owner(BaseDatabaseCreation.deserialize_db_from_string),
    )
    try:
        with database_roles.connected_as({**_runtime_role, "NAME": test_database}):
            yield
    finally:
        patches.undo()
        settings.MIGRATION_DATABASE["NAME"] = database_name


@pytest.fixture(autouse=True)
def _isolated_cache_and_sms(settings):
    """Each test starts with an empty cache (rate limits) and the in-memory SMS outbox."""
    settings.SMS_BACKEND = "locmem"
    settings.PASSWORD_RESET_MIN_SECONDS = 0  # one test sets a floor and measures it
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    from sms.backends import outbox

    outbox.clear()
    yield
    cache.clear()


@pytest.fixture
def sms_outbox():
    """The messages 'sent' by the locmem SMS backend: dicts with ``to``, ``body``, ``purpose``."""
    from sms.backends import outbox

    return outbox


@pytest.fixture
def frozen(time_machine):
    """Stop the clock at OTP_START; tests move it with ``frozen.shift(seconds)``."""
    time_machine.move_to(OTP_START, tick=False)
    return time_machine


@pytest.fixture
def public_origin(settings):
    settings.PUBLIC_ORIGIN = "https://portal.example.sa"
    return settings.PUBLIC_ORIGIN


@pytest.fixture
def database_tasks(settings):
    """Tasks go to the database queue (as in production) until ``run_worker()`` runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(scope="module")
def password_hash() -> str:
    """PASSWORD hashed once per module, as the registration wizard keeps it until the end."""
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


@pytest.fixture
def pending_account():
    """A registered citizen (CITIZEN_ID, MOBILE_E164) waiting for a bank to confirm them."""
    from accounts.models import AccountStatus
    from tests.factories import make_user

    return make_user("pending2024", CITIZEN_ID, MOBILE_E164, status=AccountStatus.PENDING)


@pytest.fixture
def superuser():
    """A superuser (staff, every permission) who is nobody the tests register."""
    from accounts.models import User

    return User.objects.create_superuser(
        "boss2024x", RESIDENT_ID, OTHER_MOBILE, "boss@example.sa", PASSWORD
    )


@pytest.fixture
def staff_client(client, superuser):
    """The test client signed in as ``superuser`` (with the code, as at ``/login/``),
    reading the admin in English."""
    from tests.factories import sign_in_as

    sign_in_as(client, superuser)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def restore_latest():
    """Whatever a test does to the schema, leave the database fully migrated afterwards."""
    from django.contrib.contenttypes.models import ContentType

    from tests.migration_helpers import migrate

    yield
    migrate()
    ContentType.objects.clear_cache()
