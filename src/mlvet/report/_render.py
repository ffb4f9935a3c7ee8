"""Each output format is a small class with one ``render`` method."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from mlvet._findings import Finding
from mlvet._version import __version__
from mlvet.catalog import get_antipattern, get_rule
from mlvet.exceptions import InputError

__all__ = ["FORMATS", "JsonRenderer", "Renderer", "SarifRenderer", "TextRenderer", "render"]

DOCS_URL = "https://github.com/mlvet/mlvet/blob/main/docs/rules/{code}.md"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


class Renderer:
    """Turns a sequence of findings into text."""

    name: ClassVar[str]

    def render(self, findings: Sequence[Finding]) -> str:
        raise NotImplementedError


class TextRenderer(Renderer):
    """``path:line:col: CODE [kind] message`` with the fix below, then a summary line."""

    name = "text"

    def __init__(self, *, show_fix: bool = True, statistics: bool = False) -> None:
        self.show_fix = show_fix
        self.statistics = statistics

    def render(self, findings: Sequence[Finding]) -> str:
        lines: list[str] = []
        for f in findings:
            lines.append(f"{f.location.describe()}: {f.code} [{f.kind}] {f.message}")
            if self.show_fix:
                lines.append(f"  help: {f.fix}")
        if self.statistics and findings:
            lines.append("")
            for code, n in sorted(Counter(f.code for f in findings).items()):
                lines.append(f"{n:>6}  {code}  {get_rule(code).name}")
        n = len(findings)
        lines.append("All clear." if n == 0 else f"Found {n} finding{'s' if n != 1 else ''}.")
        return "\n".join(lines)


class JsonRenderer(Renderer):
    """A JSON array of findings (see :meth:`Finding.to_dict`)."""

    name = "json"

    def render(self, findings: Sequence[Finding]) -> str:
        return json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False)


class SarifRenderer(Renderer):
    """SARIF 2.1.0 for code scanning; datasets and runs become logical locations."""

    name = "sarif"

    def render(self, findings: Sequence[Finding]) -> str:
        return json.dumps(self.to_sarif(findings), indent=2, ensure_ascii=False)

    def to_sarif(self, findings: Sequence[Finding]) -> dict[str, Any]:
        codes = sorted({f.code for f in findings})
        index = {code: i for i, code in enumerate(codes)}
        rules = []
        for code in codes:
            rule = get_rule(code)
            rules.append(
                {
                    "id": code,
                    "name": rule.name,
                    "shortDescription": {"text": rule.message},
                    "help": {"text": rule.fix},
                    "helpUri": DOCS_URL.format(code=code),
                    "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity.value]},
                    "properties": {
                        "antipattern": get_antipattern(rule.family).name,
                        "kind": rule.kind,
                        "tags": [rule.family, rule.kind],
                    },
                }
            )
        return {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "mlvet",
                            "version": __version__,
                            "informationUri": "https://github.com/mlvet/mlvet",
                            "rules": rules,
                        }
                    },
                    "results": [self._result(f, index[f.code]) for f in findings],
                }
            ],
        }

    @staticmethod
    def _result(f: Finding, rule_index: int) -> dict[str, Any]:
        loc = f.location
        location: dict[str, Any] = {}
        if loc.path:
            physical: dict[str, Any] = {"artifactLocation": {"uri": loc.path}}
            if loc.line is not None:
                region: dict[str, Any] = {"startLine": max(loc.line, 1)}
                if loc.column is not None:
                    region["startColumn"] = max(loc.column, 1)
                physical["region"] = region
            location["physicalLocation"] = physical
        logical = []
        if loc.dataset:
            name = loc.dataset + (f":{loc.field}" if loc.field else "")
            logical.append({"name": name, "kind": "dataset"})
        if loc.run_id:
            logical.append({"name": loc.run_id, "kind": "run"})
        if logical:
            location["logicalLocations"] = logical
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": rule_index,
            "level": _SARIF_LEVEL[f.severity.value],
            "message": {"text": f"{f.message} Fix: {f.fix}"},
            "properties": {"kind": f.kind, "evidence": dict(f.evidence)},
        }
        if location:
            result["locations"] = [location]
        return result


FORMATS: dict[str, type[Renderer]] = {
    "text": TextRenderer,
    "json": JsonRenderer,
    "sarif": SarifRenderer,
}


def get_renderer(fmt: str) -> Renderer:
    try:
        return FORMATS[fmt]()
    except KeyError:
        raise InputError(
            f"Unknown output format {fmt!r}; choose one of {sorted(FORMATS)}."
        ) from None


def render(findings: Iterable[Finding], fmt: str = "text") -> str:
    """Render findings in one of :data:`FORMATS`."""
    return get_renderer(fmt).render(list(findings))
