"""deploy/grafana/portal.json queries the metrics the portal defines, and shows every one."""

from __future__ import annotations

import json
import re

from absher_portal.metrics import METRIC_NAMES, REGISTRY, REQUEST_DURATION
from tests.production_env import ROOT

DASHBOARD = ROOT / "deploy" / "grafana" / "portal.json"
HISTOGRAM_SERIES = ("_bucket", "_count", "_sum")


def queried_names() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert exprs
    names = set()
    for name in re.findall(r"\bportal_[a-z0-9_]+", " ".join(exprs)):
        for suffix in HISTOGRAM_SERIES:
            if name == REQUEST_DURATION._name + suffix:
                name = REQUEST_DURATION._name
        names.add(name)
    return names


def test_every_metric_the_dashboard_queries_exists():
    assert queried_names() - METRIC_NAMES == set()


def test_every_metric_the_portal_defines_has_a_panel():
    assert METRIC_NAMES - queried_names() == set()


def test_the_dashboard_is_importable_json_with_unique_panel_ids():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert dashboard["uid"] and dashboard["title"]
    assert all(panel["datasource"]["uid"] == "${datasource}" for panel in dashboard["panels"])


def test_the_names_checked_here_are_every_metric_in_the_portals_registry():
    families = {
        f"{family.name}_total" if family.type == "counter" else family.name
        for family in REGISTRY.collect()
    }
    assert families == METRIC_NAMES
