"""Reading a data file the commands and scheduled jobs are given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlvet.exceptions import InputError

__all__ = ["read_source", "read_table"]


def read_table(path: str | Path) -> Any:
    """A Parquet, CSV or TSV file as a pyarrow Table; a file that cannot be read is an
    InputError naming it."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} is not a file.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pq.read_table(path)
        if suffix in (".csv", ".tsv"):
            opts = pcsv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",")
            return pcsv.read_csv(path, parse_options=opts)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path} cannot be read: {exc}") from exc
    raise InputError(f"Cannot read {path.name}: use a .parquet, .csv or .tsv file.")


def read_source(spec: str | Path) -> Any:
    """A file (as :func:`read_table`) or a DuckDB table written ``PATH.duckdb::TABLE``.

    A DuckDB table comes back as a DuckDB relation, so that what is computed on it is
    computed by DuckDB, without loading the table into Python.
    """
    text = str(spec)
    if "::" not in text:
        return read_table(text)
    db, _, table = text.rpartition("::")
    if not Path(db).is_file():
        raise InputError(f"{db} is not a file (a DuckDB table is written PATH.duckdb::TABLE).")
    if not table:
        raise InputError(f"{text}: name the table after '::', e.g. {db}::batches.")
    try:
        import duckdb
    except ImportError as exc:
        raise InputError(
            "Reading a DuckDB table needs duckdb: pip install 'mlvet[duckdb]'."
        ) from exc
    try:
        return duckdb.connect(db, read_only=True).table(table)
    except duckdb.Error as exc:
        raise InputError(f"{text} cannot be read: {exc}") from exc
