"""The portal's settings plus the benchmark's reference views (bench/urls.py), nothing else.

Only ``make bench`` serves this module; the real portal never routes to the reference views.
"""

import os

from absher_portal.settings import *  # noqa: F403 - the whole production configuration

ROOT_URLCONF = "bench.urls"

# ``BENCH_FORM_RENDERER=django`` serves the pages with Django's own form renderer instead of
# the portal's <input> short cut, so one run measures what the short cut is worth (decision 93).
if os.environ.get("BENCH_FORM_RENDERER") == "django":
    FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
