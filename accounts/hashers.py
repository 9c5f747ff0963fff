"""Argon2id at OWASP's recommended cost (design.md §4), tunable from settings."""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, 19 MiB, 2 passes, 1 lane by default.

    Django's own default (100 MiB x 8 lanes) costs about 200 ms of CPU per hash here; at a
    country's scale every sign-in would pay it and it is a denial-of-service lever. Keeping the
    algorithm name ``argon2`` means Django re-hashes stored passwords at sign-in whenever these
    parameters change (``must_update`` compares them).
    """

    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return settings.ARGON2_TIME_COST

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return settings.ARGON2_MEMORY_COST_KIB

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return settings.ARGON2_PARALLELISM
