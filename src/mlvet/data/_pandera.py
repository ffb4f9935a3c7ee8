"""pandera, imported once and quietly.

pandera registers its PySpark backend whenever PySpark is installed, and importing
``pyspark.pandas`` warns about the pandas version on every import. That warning is about
PySpark's pandas API, which mlvet does not use, so it is silenced here, for this import only.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support", category=FutureWarning
    )
    import pandera.backends.pandas.builtin_checks  # noqa: F401 - loaded at first validation
    import pandera.pandas as pdv
    from pandera.errors import SchemaErrors

__all__ = ["SchemaErrors", "pdv"]
