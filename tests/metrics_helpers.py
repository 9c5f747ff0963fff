"""Reading the portal's metrics in tests: sums of samples, so a test asserts on how far a
counter moved (other tests in the same process moved it too)."""

from __future__ import annotations

from absher_portal.metrics import REGISTRY


def value(name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels`` (0 when none)."""
    total = 0.0
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


class Moves:
    """Remember a counter's value; ``by()`` tells how far it moved since."""

    def __init__(self, name: str, **labels: str) -> None:
        self.name, self.labels = name, labels
        self.start = value(name, **labels)

    def by(self) -> float:
        return value(self.name, **self.labels) - self.start
