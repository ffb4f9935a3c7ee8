"""Lineage: walk versions up and down, export OpenLineage run events, draw the graph."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from mlvet.data._catalog import DatasetVersion, _get_version, _version_from_row, _versions_query
from mlvet.exceptions import InputError
from mlvet.ledger import Ledger, open_ledger
from mlvet.ledger import _schema as s

__all__ = ["Lineage", "lineage", "openlineage_events", "plot_lineage"]


@dataclass
class Lineage:
    """The versions reachable from ``root`` upstream and downstream, and the edges between."""

    root: DatasetVersion
    nodes: dict[int, DatasetVersion] = field(default_factory=dict)
    edges: list[tuple[int, int, str | None]] = field(default_factory=list)  # parent, child, run
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def parents(self, node_id: int) -> list[tuple[DatasetVersion, str | None]]:
        return [(self.nodes[p], r) for p, c, r in self.edges if c == node_id]

    def children(self, node_id: int) -> list[tuple[DatasetVersion, str | None]]:
        return [(self.nodes[c], r) for p, c, r in self.edges if p == node_id]

    def step_label(self, run_id: str | None) -> str:
        if run_id is None or run_id not in self.runs:
            return "unrecorded step"
        ref = self.runs[run_id]["code_ref"]
        label = ref.get("function") or ref.get("step") or self.runs[run_id]["name"]
        if ref.get("git_commit"):
            label += f" @ {ref['git_commit'][:8]}{'+dirty' if ref.get('git_dirty') else ''}"
        return str(label)


def _load_version(conn: Connection, version_id: int) -> DatasetVersion:
    row = conn.execute(_versions_query().where(s.dataset_versions.c.id == version_id)).first()
    assert row is not None
    return _version_from_row(row)


def _walk(conn: Connection, graph: Lineage, start: int, upstream: bool) -> None:
    e = s.lineage_edges
    here, there = (e.c.child_id, e.c.parent_id) if upstream else (e.c.parent_id, e.c.child_id)
    queue, seen = deque([start]), {start}
    while queue:
        node = queue.popleft()
        for other, run_id in conn.execute(select(there, e.c.run_id).where(here == node)):
            edge = (other, node, run_id) if upstream else (node, other, run_id)
            if edge not in graph.edges:
                graph.edges.append(edge)
            if other not in seen:
                seen.add(other)
                graph.nodes[other] = _load_version(conn, other)
                queue.append(other)


def lineage(
    ref: str, *, ledger: Ledger | str | None = None, up: bool = True, down: bool = True
) -> Lineage:
    """The lineage graph around ``name[@version]``."""
    with open_ledger(ledger).connect() as conn:
        root = _get_version(conn, ref)
        graph = Lineage(root=root, nodes={root.id: root})
        if up:
            _walk(conn, graph, root.id, upstream=True)
        if down:
            _walk(conn, graph, root.id, upstream=False)
        run_ids = {r for *_, r in graph.edges if r} | {
            n.run_id for n in graph.nodes.values() if n.run_id
        }
        if run_ids:
            for row in conn.execute(select(s.runs).where(s.runs.c.id.in_(sorted(run_ids)))):
                graph.runs[row.id] = {
                    "name": row.name,
                    "kind": row.kind,
                    "started_at": row.started_at,
                    "ended_at": row.ended_at,
                    "code_ref": json.loads(row.code_ref_json),
                }
    return graph


def _ol_time(ts: str) -> str:
    return ts.replace("Z", "+00:00")


def openlineage_events(
    ref: str, *, namespace: str = "mlvet", ledger: Ledger | str | None = None
) -> list[dict[str, Any]]:
    """OpenLineage ``RunEvent``s (COMPLETE) for every step in the lineage of ``ref``.

    Events are built with openlineage-python's models (which validate run ids and times)
    and serialised with its ``Serde``, ready to POST to Marquez or DataHub.
    """
    from openlineage.client.event_v2 import (
        InputDataset,
        Job,
        OutputDataset,
        Run,
        RunEvent,
        RunState,
    )
    from openlineage.client.facet_v2 import (
        dataset_version_dataset,
        schema_dataset,
        source_code_location_job,
    )
    from openlineage.client.serde import Serde

    if not isinstance(namespace, str) or not namespace.strip():
        raise InputError("namespace must be a non-empty string, e.g. 'mlvet' or 'bank-analytics'.")
    graph = lineage(ref, ledger=ledger)

    def facets(v: DatasetVersion) -> dict[str, Any]:
        return {
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=[
                    schema_dataset.SchemaDatasetFacetFields(name=c["name"], type=c["type"])
                    for c in v.columns
                ]
            ),
            "version": dataset_version_dataset.DatasetVersionDatasetFacet(
                datasetVersion=f"{v.version}:{v.fingerprint}"
            ),
        }

    events = []
    for run_id, run in sorted(graph.runs.items(), key=lambda kv: kv[1]["started_at"]):
        outputs = [n for n in graph.nodes.values() if n.run_id == run_id]
        inputs = {p: graph.nodes[p] for p, _, r in graph.edges if r == run_id}
        code = run["code_ref"]
        job_facets: dict[str, Any] = {}
        if code.get("file"):
            job_facets["sourceCodeLocation"] = source_code_location_job.SourceCodeLocationJobFacet(
                type="git" if code.get("git_commit") else "file",
                url=f"file://{code['file']}",
                path=code.get("file"),
                version=code.get("git_commit"),
            )
        event = RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=_ol_time(run["ended_at"] or run["started_at"]),
            run=Run(runId=run_id),
            job=Job(namespace=namespace, name=run["name"], facets=job_facets),
            inputs=[
                InputDataset(namespace=namespace, name=v.name, facets=facets(v))
                for _, v in sorted(inputs.items())
            ],
            outputs=[
                OutputDataset(namespace=namespace, name=v.name, facets=facets(v)) for v in outputs
            ],
            producer="https://github.com/mlvet/mlvet",
        )
        events.append(Serde.to_dict(event))
    return events


def plot_lineage(ref: str, path: str | Path, *, ledger: Ledger | str | None = None) -> Path:
    """Draw the lineage of ``ref`` to a PNG: versions by depth, steps on the edges."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    graph = lineage(ref, ledger=ledger)
    depth: dict[int, int] = {graph.root.id: 0}
    queue = deque([graph.root.id])
    while queue:  # upstream nodes sit left of the root, downstream right
        node = queue.popleft()
        for p, c, _ in graph.edges:
            if c == node and p not in depth and depth[node] <= 0:
                depth[p] = depth[node] - 1
                queue.append(p)
            if p == node and c not in depth and depth[node] >= 0:
                depth[c] = depth[node] + 1
                queue.append(c)
    layers: dict[int, list[int]] = {}
    for node, d in sorted(depth.items(), key=lambda kv: (kv[1], kv[0])):
        layers.setdefault(d, []).append(node)
    pos = {
        node: (d, -i + (len(nodes) - 1) / 2)
        for d, nodes in layers.items()
        for i, node in enumerate(nodes)
    }
    width = max(6.0, 3.2 * len(layers))
    height = max(3.0, 1.4 * max(len(v) for v in layers.values()))
    fig, ax = plt.subplots(figsize=(width, height))
    for p, c, run_id in graph.edges:
        (x0, y0), (x1, y1) = pos[p], pos[c]
        ax.annotate(
            "",
            xy=(x1 - 0.28, y1),
            xytext=(x0 + 0.28, y0),
            arrowprops={"arrowstyle": "->", "color": "#555"},
        )
        ax.text(
            (x0 + x1) / 2,
            (y0 + y1) / 2 + 0.12,
            graph.step_label(run_id),
            ha="center",
            fontsize=7,
            color="#333",
        )
    for node, (x, y) in pos.items():
        v = graph.nodes[node]
        color = "#f4b6b6" if v.quarantined else ("#bcd9f5" if node == graph.root.id else "#e8e8e8")
        ax.text(
            x,
            y,
            f"{v.ref}\n{v.n_rows:,} rows\n{v.fingerprint[:10]}…",
            ha="center",
            va="center",
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.4", "fc": color, "ec": "#333"},
        )
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    ax.set_title(f"Lineage of {graph.root.ref} (red: quarantined)", fontsize=10)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out
