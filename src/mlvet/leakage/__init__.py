"""Leakage checks on data: a train/test split that is already made (DL2xx).

:func:`check_split` compares the two sides for shared rows and entities, time order,
rebalanced classes, target proxies and values used before they are published, and returns
a :class:`SplitReport` that names every check it ran and every one it skipped.
"""

from __future__ import annotations

from mlvet.leakage._split import SplitReport, check_split

__all__ = ["SplitReport", "check_split"]
