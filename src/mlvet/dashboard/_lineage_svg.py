"""Lay out a lineage graph in layers (sources on the left) for the dashboard's SVG."""

from __future__ import annotations

from typing import Any

__all__ = ["layout"]

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 190, 46, 120, 18, 12


def layout(graph: dict[str, Any]) -> dict[str, Any]:
    """Positions for every node and a path for every edge.

    Each node's layer is its longest distance from a source, so every edge points right;
    within a layer nodes are ordered by the mean row of their parents (one sweep of the
    barycentre heuristic), which keeps most edges from crossing.
    """
    nodes = {int(n["id"]): n for n in graph["nodes"]}
    parents: dict[int, list[int]] = {i: [] for i in nodes}
    for e in graph["edges"]:
        parents[int(e["child"])].append(int(e["parent"]))
    layer: dict[int, int] = {}

    def depth(i: int, stack: frozenset[int] = frozenset()) -> int:
        if i in layer:
            return layer[i]
        if i in stack:  # a cycle cannot be recorded, but never loop on a damaged ledger
            return 0
        layer[i] = 1 + max((depth(p, stack | {i}) for p in parents[i]), default=-1)
        return layer[i]

    for i in sorted(nodes):
        depth(i)
    columns: dict[int, list[int]] = {}
    for i in sorted(nodes, key=lambda k: (layer[k], nodes[k]["name"], nodes[k]["version"])):
        columns.setdefault(layer[i], []).append(i)
    row: dict[int, float] = {}
    for col in sorted(columns):
        members = columns[col]
        if col:
            members.sort(
                key=lambda k: (
                    sum(row.get(p, 0.0) for p in parents[k]) / len(parents[k])
                    if parents[k]
                    else 0.0
                )
            )
        for r, i in enumerate(members):
            row[i] = float(r)
    pos = {
        i: (PAD + layer[i] * (NODE_W + GAP_X), PAD + int(row[i]) * (NODE_H + GAP_Y)) for i in nodes
    }
    placed = [
        n
        | {
            "x": pos[int(n["id"])][0],
            "y": pos[int(n["id"])][1],
            "root": int(n["id"]) == int(graph["root"]),
        }
        for n in graph["nodes"]
    ]
    paths = []
    for e in graph["edges"]:
        (x1, y1), (x2, y2) = pos[int(e["parent"])], pos[int(e["child"])]
        sx, sy, tx, ty = x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2
        mid = (sx + tx) / 2
        paths.append(
            e
            | {
                "d": f"M{sx},{sy} C{mid},{sy} {mid},{ty} {tx},{ty}",
                "lx": mid,
                "ly": (sy + ty) / 2 - 4,
            }
        )
    width = PAD * 2 + (max(layer.values(), default=0) + 1) * (NODE_W + GAP_X) - GAP_X
    height = PAD * 2 + max((len(c) for c in columns.values()), default=1) * (NODE_H + GAP_Y) - GAP_Y
    return {
        "nodes": placed,
        "edges": paths,
        "width": width,
        "height": height,
        "node_w": NODE_W,
        "node_h": NODE_H,
        "truncated": graph.get("truncated", False),
    }
