"""The antipattern catalog: families, kinds, recommendations and finding codes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from mlvet.catalog._antipatterns import (
    ANTIPATTERNS,
    PAPER,
    RECOMMENDATIONS,
    TOOL,
    Antipattern,
    Kind,
    Recommendation,
    Stage,
)
from mlvet.catalog._rules import CODE_RE, RULES, Rule, Severity
from mlvet.exceptions import InputError, UnknownRuleError

__all__ = [
    "PAPER",
    "Antipattern",
    "Kind",
    "Recommendation",
    "Rule",
    "Severity",
    "Stage",
    "antipatterns",
    "get_antipattern",
    "get_rule",
    "recommendations",
    "rule_page",
    "rule_pages_dir",
    "rules",
    "select_rules",
]

_BY_FAMILY = {a.family: a for a in (*ANTIPATTERNS, TOOL)}
_BY_CODE = {r.code: r for r in RULES}


def antipatterns() -> tuple[Antipattern, ...]:
    """The nine antipatterns in the paper's order."""
    return ANTIPATTERNS


def recommendations() -> tuple[Recommendation, ...]:
    """The paper's recommendations and the families each defends against."""
    return RECOMMENDATIONS


def get_antipattern(family: str) -> Antipattern:
    """Return the antipattern for a two-letter family code such as ``"DL"``."""
    key = family.upper() if isinstance(family, str) else family
    try:
        return _BY_FAMILY[key]
    except (KeyError, TypeError):
        raise InputError(
            f"Unknown antipattern family {family!r}; valid families are {sorted(_BY_FAMILY)}."
        ) from None


def rules() -> tuple[Rule, ...]:
    """Every finding code, sorted by code."""
    return tuple(sorted(RULES, key=lambda r: r.code))


def get_rule(code: str) -> Rule:
    """Return the rule for a finding code such as ``"DC101"``."""
    key = code.upper().strip() if isinstance(code, str) else code
    try:
        return _BY_CODE[key]
    except (KeyError, TypeError):
        raise UnknownRuleError(
            f"Unknown finding code {code!r}. Run `mlvet rules` to list the codes "
            f"(families: {', '.join(sorted(_BY_FAMILY))})."
        ) from None


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> tuple[Rule, ...]:
    """Rules chosen by code or prefix (``"DC"``, ``"DC1"``, ``"DC101"``), minus ignored ones."""
    select, ignore = list(select), list(ignore)
    for prefix in (*select, *ignore):
        if not isinstance(prefix, str) or not any(r.code.startswith(prefix) for r in RULES):
            raise InputError(
                f"{prefix!r} matches no finding code; use a code such as 'DC101' or a prefix "
                "such as 'DC' (see `mlvet rules`)."
            )
    chosen = [r for r in rules() if not select or any(r.code.startswith(p) for p in select)]
    return tuple(r for r in chosen if not any(r.code.startswith(p) for p in ignore))


def rule_pages_dir() -> Path:
    """Where the rule pages live: packaged beside the code, or ``docs/rules`` in a checkout."""
    packaged = Path(__file__).resolve().parent.parent / "_rule_docs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "docs" / "rules"


def rule_page(code: str) -> str:
    """The Markdown page of a finding code (What it does / Why is this bad? / ...)."""
    rule = get_rule(code)
    path = rule_pages_dir() / f"{rule.code}.md"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"The page for {rule.code} is missing at {path}; reinstall mlvet."
        ) from None


def _check_catalog() -> None:
    for rule in RULES:
        if not CODE_RE.match(rule.code):
            raise AssertionError(f"bad code {rule.code}")
        family = _BY_FAMILY.get(rule.family)
        if family is None or rule.kind not in family.kind_names:
            raise AssertionError(f"{rule.code}: kind {rule.kind!r} not in its family vocabulary")


_check_catalog()
