"""The antipattern catalog, its rule pages, the Finding type and the renderers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import mlvet
from mlvet import Finding, Location
from mlvet.catalog import (
    antipatterns,
    get_antipattern,
    get_rule,
    recommendations,
    rule_page,
    rule_pages_dir,
    rules,
    select_rules,
)
from mlvet.exceptions import InputError, UnknownRuleError
from mlvet.report import render

HEADINGS = [
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## References",
]


def test_nine_antipatterns_with_stages_and_the_named_kinds() -> None:
    families = [a.family for a in antipatterns()]
    assert families == ["DL", "TC", "PE", "CA", "GE", "AN", "SF", "CW", "DC"]
    assert get_antipattern("dl").kind_names == (
        "peek-a-boo",
        "temporal",
        "oversampling",
        "metrics-from-beyond",
        "overlap",
        "target-proxy",
    )
    assert get_antipattern("GE").kind_names == ("multi-test", "test-in-selection")
    assert {a.stage.value for a in antipatterns()} == {
        "design & development",
        "performance evaluation",
        "deployment & maintenance",
    }
    assert any("assertions" in r.text for r in recommendations())


def test_every_code_has_a_page_and_every_page_a_code() -> None:
    pages = {p.stem for p in rule_pages_dir().glob("*.md")}
    codes = {r.code for r in rules()}
    assert pages == codes
    for rule in rules():
        page = rule_page(rule.code)
        assert page.splitlines()[0] == f"# {rule.code}: {rule.name}"
        positions = [page.find(h) for h in HEADINGS]
        assert all(p > 0 for p in positions) and positions == sorted(positions), rule.code
        assert f"`{rule.kind}`" in page and rule.severity.value in page
        assert get_antipattern(rule.family).name in page


def test_codes_are_well_formed_and_selectable() -> None:
    for rule in rules():
        assert re.fullmatch(r"[A-Z]{2}\d{3}", rule.code)
        assert rule.kind in get_antipattern(rule.family).kind_names
    assert {r.code for r in select_rules(["DC1"], ["DC106"])} == {f"DC10{i}" for i in range(1, 6)}
    with pytest.raises(InputError, match="matches no finding code"):
        select_rules(["ZZ"])
    with pytest.raises(UnknownRuleError, match="mlvet rules"):
        get_rule("DL999")


def test_finding_fills_from_the_catalog() -> None:
    f = Finding.of(
        "DC103",
        "column 'cusip' has 3 null rows",
        location=Location(dataset="fails", field="cusip"),
        evidence={"rows": [1, 2], "x": float("nan")},
    )
    assert (f.family, f.kind, f.severity.value) == ("DC", "quality", "error")
    assert f.antipattern == "Data Crisis as a Service"
    assert f.fix == get_rule("DC103").fix
    assert f.evidence["x"] == "NaN"
    assert Finding.from_dict(json.loads(f.to_json())) == f
    with pytest.raises(InputError):
        Finding.of("DC103", "")
    with pytest.raises(InputError):
        Location(line=-1)


def _findings() -> list[Finding]:
    return [
        Finding.of(
            "DC101", "required column 'n' is missing", location=Location(dataset="d", field="n")
        ),
        Finding.of(
            "DC201", "no producer", location=Location(path="etl/load.py", line=12, column=4)
        ),
    ]


def test_text_json_and_sarif() -> None:
    text = render(_findings())
    assert "d:n: DC101 [schema] required column 'n' is missing" in text
    assert "etl/load.py:12:4: DC201" in text and text.endswith("Found 2 findings.")
    assert render([]) == "All clear."
    items = json.loads(render(_findings(), "json"))
    assert {k for k in items[1]} >= {
        "code",
        "antipattern",
        "kind",
        "severity",
        "path",
        "line",
        "column",
        "cell",
        "message",
        "fix",
    }
    assert (items[1]["path"], items[1]["line"]) == ("etl/load.py", 12)
    sarif = json.loads(render(_findings(), "sarif"))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["DC101", "DC201"]
    results = run["results"]
    assert results[0]["locations"][0]["logicalLocations"][0] == {"name": "d:n", "kind": "dataset"}
    region = results[1]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 12, "startColumn": 4}
    assert [r["level"] for r in results] == ["error", "warning"]
    with pytest.raises(InputError, match="choose one of"):
        render([], "xml")


def test_public_surface_is_pinned() -> None:
    assert mlvet.__all__ == sorted(mlvet.__all__)
    expected = {
        "ConfigError",
        "DataQualityError",
        "DatasetVersion",
        "Finding",
        "Fingerprint",
        "InputError",
        "Ledger",
        "LedgerError",
        "Lineage",
        "Location",
        "MlvetError",
        "NotFoundError",
        "ScorecardRow",
        "Settings",
        "Severity",
        "__version__",
        "config_context",
        "dataset_versions",
        "datasets",
        "fingerprint",
        "get_rule",
        "get_settings",
        "get_version",
        "identify",
        "infer_schema",
        "lineage",
        "open_ledger",
        "openlineage_events",
        "plot_lineage",
        "register_dataset",
        "render",
        "row_hashes",
        "rules",
        "scorecard",
        "step",
        "validate",
        # the leakage guards and the vault
        "Budget",
        "BudgetExceededError",
        "SplitReport",
        "Trace",
        "Vault",
        "VaultError",
        "check_split",
        "trace",
        "vaults",
        # honest experiments
        "Ablation",
        "Categorical",
        "Comparison",
        "Defaults",
        "Features",
        "Int",
        "LogUniform",
        "RunDiff",
        "TuneResult",
        "Uniform",
        "ablate",
        "compare",
        "diff",
        "tune",
        # communicate with confidence
        "Guard",
        "Routing",
    }
    assert set(mlvet.__all__) == expected
    for name in expected:
        assert hasattr(mlvet, name)


def test_config_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path
    (root / "pyproject.toml").write_text('[tool.mlvet]\ndb_url = "sqlite:///from-pyproject.db"\n')
    monkeypatch.chdir(root)
    monkeypatch.delenv("MLVET_DB_URL", raising=False)
    assert mlvet.get_settings().db_url == "sqlite:///from-pyproject.db"
    monkeypatch.setenv("MLVET_DB_URL", "sqlite:///from-env.db")
    assert mlvet.get_settings().db_url == "sqlite:///from-env.db"
    with mlvet.config_context(db_url="sqlite:///scoped.db") as settings:
        assert settings.db_url == mlvet.get_settings().db_url == "sqlite:///scoped.db"
    assert mlvet.get_settings().db_url == "sqlite:///from-env.db"
    with pytest.raises(mlvet.ConfigError, match="valid settings"), mlvet.config_context(nope=1):
        pass


def test_importing_mlvet_leaves_the_heavy_libraries_for_later() -> None:
    import subprocess
    import sys

    code = (
        "import sys, mlvet; "
        "print(sorted(m for m in ('sklearn', 'scipy.stats', 'imblearn', 'cryptography', "
        "'pandera', 'pyspark', 'river', 'duckdb') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
