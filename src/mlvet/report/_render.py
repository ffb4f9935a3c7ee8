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

__all__ = [
    "FORMATS",
    "GithubRenderer",
    "JsonRenderer",
    "Renderer",
    "SarifRenderer",
    "TextRenderer",
    "render",
]

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
            lines.extend(self.code_frame(f))
            if self.show_fix:
                lines.append(f"  help: {f.fix}")
        if self.statistics and findings:
            lines.append("")
            for code, n in sorted(Counter(f.code for f in findings).items()):
                lines.append(f"{n:>6}  {code}  {get_rule(code).name}")
        n = len(findings)
        lines.append("All clear." if n == 0 else f"Found {n} finding{'s' if n != 1 else ''}.")
        return "\n".join(lines)

    @staticmethod
    def code_frame(f: Finding) -> list[str]:
        """The source line under a finding with a caret span, as ruff prints it."""
        source = f.evidence.get("source_line")
        line = f.location.line
        if not isinstance(source, str) or not source.strip() or line is None:
            return []
        source = source.rstrip().expandtabs(4)
        if len(source) > 200:
            source = source[:197] + "..."
        gutter = " " * len(str(line))
        start = max((f.location.column or 1) - 1, 0)
        end = f.evidence.get("end_column")
        stop = (
            min(int(end) - 1, len(source))
            if isinstance(end, int) and end - 1 > start
            else len(source)
        )
        width = max(stop - start, 1)
        return [
            f"{gutter} |",
            f"{line} | {source}",
            f"{gutter} | {' ' * start}{'^' * width}",
        ]


class GithubRenderer(Renderer):
    """GitHub Actions workflow commands: one ``::error file=...`` annotation per finding."""

    name = "github"
    _LEVEL: ClassVar[dict[str, str]] = {"error": "error", "warning": "warning", "info": "notice"}

    @staticmethod
    def _escape(text: str, *, prop: bool = False) -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        if prop:
            text = text.replace(":", "%3A").replace(",", "%2C")
        return text

    def render(self, findings: Sequence[Finding]) -> str:
        out = []
        for f in findings:
            loc = f.location
            props = []
            if loc.path:
                props.append(f"file={self._escape(loc.path, prop=True)}")
                if loc.line is not None and loc.cell is None:
                    props.append(f"line={loc.line}")
                    if loc.column is not None:
                        props.append(f"col={loc.column}")
            props.append(f"title={self._escape(f'{f.code} [{f.kind}]', prop=True)}")
            where = f"cell {loc.cell}, line {loc.line}: " if loc.cell is not None else ""
            message = self._escape(f"{where}{f.message} Fix: {f.fix}")
            out.append(f"::{self._LEVEL[f.severity.value]} {','.join(props)}::{message}")
        return "\n".join(out)


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
                snippet = f.evidence.get("source_line")
                if isinstance(snippet, str) and loc.cell is None:
                    region["snippet"] = {"text": snippet}
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
            "properties": {"kind": f.kind, "evidence": dict(f.evidence)}
            | ({"cell": loc.cell} if loc.cell is not None else {}),
        }
        if location:
            result["locations"] = [location]
        return result


FORMATS: dict[str, type[Renderer]] = {
    "text": TextRenderer,
    "json": JsonRenderer,
    "sarif": SarifRenderer,
    "github": GithubRenderer,
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
