"""Charts and the network picture as plain numbers for inline SVG, computed on the server.

No JavaScript draws anything: the templates turn these shapes into ``<rect>``, ``<line>``
and ``<circle>`` elements, and every label goes through autoescaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]


def bar_chart(
    rows: Sequence[tuple[str, int]], width: int = 560, bar: int = 18, label_width: int = 150
) -> Chart:
    """Horizontal bars, one per ``(label, value)``, scaled to the largest value."""
    top = max((value for _, value in rows), default=0) or 1
    room = width - label_width - 50
    bars = tuple(
        Bar(label, value, label_width, i * (bar + 6), max(1.0, room * value / top), bar)
        for i, (label, value) in enumerate(rows)
    )
    return Chart(width, max(1, len(rows)) * (bar + 6), bars)


def column_chart(rows: Sequence[tuple[str, int]], width: int = 560, height: int = 160) -> Chart:
    """Vertical bars (one per day), scaled to the largest value; room below for labels."""
    top = max((value for _, value in rows), default=0) or 1
    step = width / max(1, len(rows))
    plot = height - 20
    bars = tuple(
        Bar(
            label,
            value,
            i * step + 1,
            plot - plot * value / top,
            max(1.0, step - 2),
            plot * value / top,
        )
        for i, (label, value) in enumerate(rows)
    )
    return Chart(width, height, bars)


@dataclass(frozen=True)
class Node:
    id: int
    kind: str
    label: str
    x: float
    y: float
    radius: float
    center: bool = False


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float


@dataclass(frozen=True)
class Graph:
    size: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def network_graph(
    center: tuple[int, str, str],
    neighbours: Sequence[tuple[int, str, str, int]],
    links: Sequence[tuple[int, int, int]],
    size: int = 520,
) -> Graph:
    """The entity ``center`` (id, kind, value) in the middle and the entities that share
    posts with it (id, kind, value, posts shared) on a circle around it, grouped by kind;
    lines join entities seen in a common post, thicker for more posts."""
    middle, ring = size / 2, size / 2 - 70
    ordered = sorted(neighbours, key=lambda n: (n[1], n[2]))
    nodes = [Node(center[0], center[1], center[2], middle, middle, 14, center=True)]
    for i, (node_id, kind, value, shared) in enumerate(ordered):
        angle = 2 * math.pi * i / max(1, len(ordered)) - math.pi / 2
        radius = 6 + min(8.0, 2 * math.log2(1 + shared))
        x, y = middle + ring * math.cos(angle), middle + ring * math.sin(angle)
        nodes.append(Node(node_id, kind, value, round(x, 1), round(y, 1), round(radius, 1)))
    where = {node.id: node for node in nodes}
    edges = [
        Edge(where[a].x, where[a].y, where[b].x, where[b].y, round(min(6.0, 0.8 + n * 0.6), 1))
        for a, b, n in links
        if a in where and b in where
    ]
    return Graph(size, tuple(nodes), tuple(edges))
