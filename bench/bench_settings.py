"""The portal's settings plus the benchmark's reference views (bench/urls.py), nothing else.

Only ``make bench`` serves this module; the real portal never routes to the reference views.
"""

from absher_portal.settings import *  # noqa: F403 - the whole production configuration

ROOT_URLCONF = "bench.urls"
