"""Reading a data file the commands and scheduled jobs are given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlvet.exceptions import InputError

__all__ = ["read_table"]


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
