"""The data catalog, fingerprints, lineage and data-quality assertions."""

from __future__ import annotations

from mlvet.data._catalog import (
    DatasetVersion,
    code_reference,
    dataset_versions,
    datasets,
    get_version,
    identify,
    register_dataset,
    step,
)
from mlvet.data._fingerprint import Fingerprint, fingerprint, row_hashes
from mlvet.data._frames import as_frame, canonical_type
from mlvet.data._lineage import Lineage, lineage, openlineage_events, plot_lineage
from mlvet.data._profile import profile
from mlvet.data._quality import infer_schema, schema_from_json, schema_to_json, validate

__all__ = [
    "DatasetVersion",
    "Fingerprint",
    "Lineage",
    "as_frame",
    "canonical_type",
    "code_reference",
    "dataset_versions",
    "datasets",
    "fingerprint",
    "get_version",
    "identify",
    "infer_schema",
    "lineage",
    "openlineage_events",
    "plot_lineage",
    "profile",
    "register_dataset",
    "row_hashes",
    "schema_from_json",
    "schema_to_json",
    "step",
    "validate",
]
