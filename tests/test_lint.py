"""``mlvet lint``: notebooks and magics, noqa and config, output formats, robustness."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mlvet import catalog
from mlvet.cli import app
from mlvet.exceptions import ConfigError, InputError
from mlvet.lint import (
    LintConfig,
    LintReport,
    discover,
    lint_file,
    lint_files,
    lint_paths,
    lint_source,
    load_config,
    record_lint,
)
from mlvet.lint._source import neutralise_ipython

ROOT = Path(__file__).resolve().parents[1]
JSON_KEYS = (
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
)  # what the issue asks of every JSON finding
runner = CliRunner()

LEAKY = textwrap.dedent(
    """\
    import pandas as pd
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    from sklearn.linear_model import LogisticRegression

    df = pd.read_csv("churn.csv")
    X = df.drop(columns=["churned"])
    y = df["churned"]
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = LogisticRegression().fit(X_train, y_train)
    print(model.score(X_test, y_test))
    """
)


def codes(findings: list) -> list[str]:
    return [f.code for f in findings]


def notebook(*cells: str | tuple[str, int | None], markdown_first: bool = True) -> str:
    nb_cells = []
    if markdown_first:
        nb_cells.append({"cell_type": "markdown", "metadata": {}, "source": ["# Churn model\n"]})
    for i, cell in enumerate(cells, start=1):
        source, count = cell if isinstance(cell, tuple) else (cell, i)
        nb_cells.append(
            {
                "cell_type": "code",
                "execution_count": count,
                "metadata": {},
                "outputs": [],
                "source": source.splitlines(keepends=True),
            }
        )
    return json.dumps(
        {
            "cells": nb_cells,
            "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


# --- the analysis through the public API -----------------------------------------------


def test_fit_before_split_is_found_with_its_data_path() -> None:
    (finding,) = lint_source(LEAKY, "train.py")
    assert finding.code == "DL101" and finding.kind == "metrics-from-beyond"
    assert (finding.location.path, finding.location.line, finding.location.column) == (
        "train.py",
        9,
        5,
    )
    assert "StandardScaler" in finding.message and "`X`" in finding.message
    assert "line 10" in finding.message and "`X_test`" in finding.message
    assert finding.evidence["source_line"] == "X = StandardScaler().fit_transform(X)"


def test_fixed_twin_is_clean() -> None:
    fixed = LEAKY.replace("X = StandardScaler().fit_transform(X)\n", "").replace(
        "model = LogisticRegression()",
        "scaler = StandardScaler().fit(X_train)\n"
        "X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)\n"
        "model = LogisticRegression()",
    )
    assert lint_source(fixed, "train.py") == []


def test_aliases_helper_functions_and_pipelines() -> None:
    code = textwrap.dedent(
        """\
        import sklearn.preprocessing as pp
        from sklearn import model_selection as ms
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import SVC

        def prepare(frame):
            imputer = pp.StandardScaler()
            return imputer.fit_transform(frame)

        X = prepare(load())
        a, b, c, d = ms.train_test_split(X, target, random_state=1)
        clf = make_pipeline(pp.MinMaxScaler(), SVC()).fit(a, c)
        print(clf.score(b, d))
        """
    )
    found = lint_source(code, "t.py")
    assert codes(found) == ["DL101"]
    assert found[0].location.line == 8


def test_pipeline_inside_cross_validation_is_clean() -> None:
    code = textwrap.dedent(
        """\
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_score
        pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
        print(cross_val_score(pipe, X, y, cv=5).mean())
        """
    )
    assert lint_source(code, "cv.py") == []


def test_scaled_whole_data_then_cross_validated_is_leaky() -> None:
    code = textwrap.dedent(
        """\
        from sklearn.preprocessing import StandardScaler
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_score
        Xs = StandardScaler().fit_transform(X)
        print(cross_val_score(LogisticRegression(), Xs, y, cv=5).mean())
        """
    )
    assert codes(lint_source(code, "cv.py")) == ["DL101"]


# --- notebooks -----------------------------------------------------------------------------


def test_notebook_cells_map_back_to_cell_and_line() -> None:
    text = notebook(
        "import pandas as pd\nfrom sklearn.model_selection import train_test_split",
        "from sklearn.preprocessing import MinMaxScaler\ndf = pd.read_csv('x.csv')\n"
        "X = MinMaxScaler().fit_transform(df.drop(columns=['y']))",
        "X_train, X_test, y_train, y_test = train_test_split(X, df['y'], random_state=0)",
    )
    (finding,) = lint_source(text, "nb.ipynb")
    assert finding.code == "DL101"
    # the markdown cell counts: code cells are cells 2, 3 and 4
    assert (finding.location.cell, finding.location.line) == (3, 3)
    assert finding.location.describe().startswith("nb.ipynb[cell 3]:3")


def test_out_of_order_execution_is_followed() -> None:
    split = "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)"
    scale = "X = StandardScaler().fit_transform(X)"
    fit = "m = LogisticRegression().fit(X_train, y_train)\nprint(m.score(X_test, y_test))"
    head = (
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.linear_model import LogisticRegression"
    )
    # in file order the scaler runs after the split and its output is never used: clean
    in_order = notebook((head, 1), (split, 2), (scale, 3), (fit, 4))
    assert lint_source(in_order, "nb.ipynb") == []
    # the counts show the scaler cell ran before the split cell
    reordered = notebook((head, 1), (split, 3), (scale, 2), (fit, 4))
    (finding,) = lint_source(reordered, "nb.ipynb")
    assert finding.code == "DL101" and finding.location.cell == 4
    assert finding.evidence["execution_order"] is True


def test_magics_and_shell_escapes_are_handled() -> None:
    text = notebook(
        "%matplotlib inline\n!pip install xgboost\nfiles = !ls data\nimport pandas as pd",
        "%%bash\necho this is not python {",
        "df = pd.read_csv('x.csv')\ndf.head?",
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.model_selection import train_test_split\n"
        "%time X = StandardScaler().fit_transform(df)\n"
        "X_train, X_test = train_test_split(X, random_state=0)",
    )
    found = lint_source(text, "nb.ipynb")
    assert codes(found) == ["DL101"]
    assert (found[0].location.cell, found[0].location.line) == (5, 3)


def test_neutralise_keeps_line_count() -> None:
    src = "%%time\nx = 1\n  !ls\ny = %env HOME\nz?"
    out = neutralise_ipython(src)
    assert out.count("\n") == src.count("\n")
    compile(out, "<cell>", "exec")
    assert "x = 1" in out and "y = None" in out


# --- suppression and configuration ------------------------------------------------------------


def test_noqa_on_the_line() -> None:
    line = "X = StandardScaler().fit_transform(X)"
    assert lint_source(LEAKY.replace(line, line + "  # noqa: DL101"), "t.py") == []
    assert lint_source(LEAKY.replace(line, line + "  # noqa: DL"), "t.py") == []
    assert lint_source(LEAKY.replace(line, line + "  # noqa"), "t.py") == []
    assert codes(lint_source(LEAKY.replace(line, line + "  # noqa: GE101"), "t.py")) == ["DL101"]


def test_config_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mlvet.lint]\nignore = ["TC"]\ntime-columns = ["trade_date"]\n'
        '[tool.mlvet.lint.per-file-ignores]\n"legacy/*.py" = ["DL101"]\n'
    )
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(LEAKY)
    (tmp_path / "new.py").write_text(LEAKY)
    config = load_config(tmp_path)
    assert config.time_columns == ("trade_date",)
    report = lint_paths([tmp_path], config, jobs=1)
    assert [(f.location.path, f.code) for f in report.findings] == [("new.py", "DL101")]
    assert report.files == 2


def test_declared_time_column_makes_shuffled_split_temporal() -> None:
    code = textwrap.dedent(
        """\
        from sklearn.model_selection import train_test_split
        from sklearn.linear_model import LinearRegression
        df = load()
        df = df.sort_values("trade_date")
        X_train, X_test, y_train, y_test = train_test_split(
            df[["trade_date", "volume"]], df["fails"], random_state=0
        )
        model = LinearRegression().fit(X_train, y_train)
        print(model.score(X_test, y_test))
        """
    )
    assert lint_source(code, "t.py") == []
    with_time = LintConfig(time_columns=("trade_date",))
    assert codes(lint_source(code, "t.py", config=with_time)) == ["DL131"]


@pytest.mark.parametrize(
    "body, message",
    [
        ('[tool.mlvet.lint]\nselekt = ["DL"]\n', "Unknown key"),
        ('[tool.mlvet.lint]\nselect = "DL" \nignore = [1]\n', "list of strings"),
        ("[tool.mlvet.lint\n", "not valid TOML"),
    ],
)
def test_bad_config_is_named(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_unknown_code_in_select_is_an_input_error() -> None:
    with pytest.raises(InputError, match="matches no finding code"):
        LintConfig(select=("XX9",))


def test_discover_skips_environments_and_checkpoints(tmp_path: Path) -> None:
    for rel in [
        "a.py",
        "nb/b.ipynb",
        ".venv/lib/c.py",
        "nb/.ipynb_checkpoints/b-checkpoint.ipynb",
        "__pycache__/d.py",
        "notes.txt",
    ]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["a.py", "nb/b.ipynb"]
    with pytest.raises(InputError, match="does not exist"):
        discover([tmp_path / "missing"])


# --- never crash ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, expect",
    [
        ("py2.py", b'print "hello"\n', "Python 2"),
        ("syntax.py", b"def f(:\n    pass\n", "syntax error"),
        ("junk.py", bytes(range(256)) * 4, "binary"),
        ("latin.py", "x = 'caf\u00e9'\n".encode("latin-1"), "not valid utf-8"),
        ("broken.ipynb", b'{"cells": [', "not valid JSON"),
        ("list.ipynb", b"[1, 2, 3]", "not an object"),
        ("nocells.ipynb", b'{"nbformat": 4}', "no 'cells' list"),
        (
            "r.ipynb",
            json.dumps(
                {"cells": [], "nbformat": 4, "metadata": {"kernelspec": {"language": "R"}}}
            ).encode(),
            "not Python",
        ),
    ],
)
def test_unreadable_input_is_a_finding(
    tmp_path: Path, name: str, content: bytes, expect: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    (finding,) = lint_file(path, LintConfig(root=tmp_path))
    assert finding.code == "MV001" and finding.family == "MV"
    assert expect.lower() in finding.message.lower()


def test_bad_cell_is_reported_and_other_cells_checked() -> None:
    text = notebook(
        "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler",
        'print "python 2 cell"',
        "from sklearn.model_selection import train_test_split\n"
        "X = StandardScaler().fit_transform(pd.read_csv('a.csv'))\n"
        "X_train, X_test = train_test_split(X, random_state=0)",
    )
    found = lint_source(text, "nb.ipynb")
    assert codes(found) == ["MV001", "DL101"]
    assert found[0].location.cell == 3 and found[1].location.cell == 4


def test_deep_nesting_does_not_crash() -> None:
    deep = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    assert codes(lint_source(deep, "deep.py")) in (["MV001"], ["MV002"], [])
    chain = "y = df" + ".fillna(0)" * 3000 + "\n"
    assert all(f.family == "MV" for f in lint_source(chain, "chain.py"))


def test_one_bad_file_does_not_stop_the_run(tmp_path: Path) -> None:
    (tmp_path / "a_bad.py").write_bytes(b"\x00\x01\x02")
    (tmp_path / "b_good.py").write_text(LEAKY)
    report = lint_paths([tmp_path], LintConfig(root=tmp_path), jobs=1)
    assert [(f.location.path, f.code) for f in report.findings] == [
        ("a_bad.py", "MV001"),
        ("b_good.py", "DL101"),
    ]


SNIPPETS = [LEAKY, notebook("import x\n%time y = 1", "df.fillna(df.mean()).shift(-1)")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(SNIPPETS),
    cut=st.integers(min_value=0, max_value=2000),
    junk=st.text(max_size=40),
    notebook_flag=st.booleans(),
)
def test_fuzz_lint_never_raises(base: str, cut: int, junk: str, notebook_flag: bool) -> None:
    """Truncated, spliced and random text in scripts and notebooks never raises."""
    text = base[:cut] + junk + base[cut:]
    for finding in lint_source(text, "fuzz.ipynb" if notebook_flag else "fuzz.py"):
        assert catalog.get_rule(finding.code)
        assert finding.location.path.startswith("fuzz")
        assert finding.code != "MV002", finding.message  # the analysis itself never fails


NAMES = st.sampled_from(["X", "y", "df", "X_train", "X_test", "y_train", "y_test", "m", "sc", "a"])
STATEMENTS = [
    "{0} = pd.read_csv('d.csv')",
    "{0} = StandardScaler().fit_transform({1})",
    "{0}, {1}, {2}, {3} = train_test_split({4}, {5})",
    "{0}, {1} = train_test_split({2}, shuffle=False)",
    "{0} = {1}.fit({2}, {3})",
    "{0} = {1}.transform({2})",
    "{0} = {1}.predict({2})",
    "print(accuracy_score({0}, {1}))",
    "print({0}.score({1}, {2}))",
    "{0}['c'] = {1}['c'].shift(-1)",
    "{0} = {1}.fillna({1}.mean())",
    "{0} = {1}.groupby('k')['v'].transform('mean')",
    "{0}, {1} = SMOTE().fit_resample({2}, {3})",
    "{0} = pd.concat([{1}, {2}])",
    "{0} = {1}[:100]",
    "{0} = {1}[{2} > 0]",
    "{0} = {1}.sample(frac=0.8)",
    "{0} = {1}.drop({2}.index)",
    "{0} = cross_val_score({1}, {2}, {3}, cv=KFold(5, shuffle=True))",
    "{0} = LogisticRegression()",
    "{0} = make_pipeline(StandardScaler(), RandomForestClassifier())",
    "{0} = {{'a': LogisticRegression(), 'b': SVC()}}",
    "for {0} in {1}:\n    {0}.fit({2}, {3})\n    print({0}.score({4}, {5}))",
    "for {0}, {1} in KFold(3).split({2}):\n    {3} = {2}.iloc[{0}]",
    "def f({0}):\n    return {0}.fit_transform({1})",
    "{0} = f({1})",
    "{0} = lambda {1}: {1}.mean()",
    "{0}.fit({1}, {2}, eval_set=[({3}, {4})])",
    "if {0}:\n    {1} = {2}\nelse:\n    {1} = {3}",
    "{0} = [{1}.fit({2}) for {1} in {3}]",
    "{0}.{1} = {2}",
    "{0} += {1}",
    "with open({0}) as {1}:\n    {2} = {1}",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(STATEMENTS), st.lists(NAMES, min_size=6, max_size=6)),
        min_size=1,
        max_size=25,
    )
)
def test_fuzz_programs_never_break_the_analysis(program: list[tuple[str, list[str]]]) -> None:
    """Random ML-shaped programs: the dataflow analysis completes on every one."""
    header = (
        "import pandas as pd\nfrom sklearn.model_selection import train_test_split, KFold, "
        "cross_val_score\nfrom sklearn.preprocessing import StandardScaler\n"
    )
    body = "\n".join(template.format(*names) for template, names in program)
    for finding in lint_source(header + body + "\n", "prog.py"):
        assert finding.family != "MV", (finding.message, body)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_random_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    for suffix in (".py", ".ipynb"):
        path = folder / f"f{suffix}"
        path.write_bytes(data)
        for finding in lint_file(path, LintConfig(root=folder)):
            # bytes are never ML code: at most "could not parse", never an analysis failure
            assert finding.code == "MV001", finding.message


# --- the command ------------------------------------------------------------------------------


def test_cli_formats_and_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(LEAKY)
    (tmp_path / "clean.py").write_text("print('hello')\n")

    text = runner.invoke(app, ["lint", "train.py"])
    assert text.exit_code == 1
    assert "train.py:9:5: DL101 [metrics-from-beyond]" in text.stdout
    assert "9 | X = StandardScaler().fit_transform(X)" in text.stdout
    assert "^^^^" in text.stdout and "help: Split first" in text.stdout

    assert runner.invoke(app, ["lint", "clean.py"]).exit_code == 0
    assert runner.invoke(app, ["lint", "train.py", "--exit-zero"]).exit_code == 0
    assert runner.invoke(app, ["lint", "train.py", "--ignore", "DL"]).exit_code == 0
    assert runner.invoke(app, ["lint", "missing.py"]).exit_code == 2
    assert runner.invoke(app, ["lint", "train.py", "--format", "xml"]).exit_code == 2

    data = json.loads(runner.invoke(app, ["lint", ".", "-f", "json"]).stdout)
    assert len(data) == 1
    assert set(JSON_KEYS) <= set(data[0])
    assert (data[0]["antipattern"], data[0]["cell"]) == ("Data Leakage", None)

    sarif = json.loads(runner.invoke(app, ["lint", ".", "-f", "sarif"]).stdout)
    (result,) = sarif["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (result["ruleId"], region["startLine"], region["startColumn"]) == ("DL101", 9, 5)

    github = runner.invoke(app, ["lint", ".", "-f", "github"]).stdout.strip()
    assert github.startswith(
        "::error file=train.py,line=9,col=5,title=DL101 [metrics-from-beyond]::"
    )

    stats = runner.invoke(app, ["lint", ".", "--statistics"]).stdout
    assert "     1  DL101  fitted-before-split" in stats


def test_parallel_run_matches_serial(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"s{i:02}.py").write_text(LEAKY if i % 2 else "x = 1\n")
    config = LintConfig(root=tmp_path)
    serial = lint_paths([tmp_path], config, jobs=1)
    parallel = lint_paths([tmp_path], config, jobs=2)
    assert [f.to_dict() for f in serial.findings] == [f.to_dict() for f in parallel.findings]
    assert len(serial.findings) == 20


def test_record_lint_feeds_the_scorecard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlvet import scorecard

    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    (tmp_path / "train.py").write_text(LEAKY)
    result = runner.invoke(app, ["lint", "train.py", "--record", "--db", url])
    assert result.exit_code == 1
    rows = {r.family: r for r in scorecard(ledger=url)}
    assert (rows["DL"].status, rows["DL"].errors) == ("violated", 1)
    assert rows["GE"].status == "guarded"
    # fixing the file and linting again supersedes the old finding
    (tmp_path / "train.py").write_text(LEAKY.replace("X = StandardScaler().fit_transform(X)\n", ""))
    assert runner.invoke(app, ["lint", "train.py", "--record", "--db", url]).exit_code == 0
    rows = {r.family: r for r in scorecard(ledger=url)}
    assert (rows["DL"].status, rows["DL"].errors, rows["DL"].checks) == ("guarded", 0, 2)


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "mlvet-lint" and hook["entry"] == "mlvet lint"
    assert set(hook["types_or"]) == {"python", "jupyter"}
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    ids = [h["id"] for repo in config["repos"] for h in repo["hooks"]]
    assert "mlvet-lint" in ids


def test_unicode_paths_and_identifiers(tmp_path: Path) -> None:
    code = LEAKY.replace("X", "données").replace("churn.csv", "clients_été.csv")
    path = tmp_path / "modèle_ü.py"
    path.write_text(code, encoding="utf-8")
    (finding,) = lint_file(path, LintConfig(root=tmp_path))
    assert finding.code == "DL101" and finding.location.path == "modèle_ü.py"
    assert "`données`" in finding.message


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: lint_source(b"x = 1", "t.py"), "as str"),
        (lambda: lint_file("/nonexistent/file.py"), "not a file"),
        (lambda: lint_paths(["."], LintConfig(), jobs=0), "positive int"),
        (lambda: LintConfig(per_file_ignores=(("*.py", ("NOPE",)),)), "matches no finding code"),
        (lambda: LintConfig(time_columns="trade_date"), "sequence of strings"),  # type: ignore[arg-type]
        (lambda: lint_files([], LintConfig(), jobs=True), "positive int"),
        (lambda: record_lint(LintReport([], 0), "train.py"), "list of path strings"),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()  # type: ignore[operator]


LINT_CODES = [r.code for r in catalog.rules() if r.guard == "lint" and r.family != "MV"]


def _python_blocks(page: str, heading: str) -> list[str]:
    import re

    part = re.split(r"\n## ", page.split(heading, 1)[1], maxsplit=1)[0]
    return [b for b in re.findall(r"```python\n(.*?)```", part, re.S) if "import " in b]


@pytest.mark.parametrize("code", LINT_CODES)
def test_rule_page_example_fires_and_its_fix_is_clean(code: str) -> None:
    """Each rule page's self-contained example is caught; its 'Use instead' code is not."""
    page = catalog.rule_page(code)
    examples = _python_blocks(page, "## Example")
    fixes = _python_blocks(page, "## Use instead")
    if code == "GE103":  # the page's example is one cell of a larger notebook
        assert "GE103" in page.split("## Use instead")[0]
    else:
        assert any(code in codes(lint_source(b, "example.py")) for b in examples), code
    for block in fixes:
        assert code not in codes(lint_source(block, "fixed.py")), code


@pytest.mark.parametrize(
    "snippet, expected",
    [
        ("import optuna\nstudy = optuna.create_study(direction='maximize')", ["TC101"]),
        ("import optuna\ns = optuna.create_study(sampler=optuna.samplers.TPESampler())", ["TC101"]),
        ("import optuna\ns = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))", []),
        (
            "from sklearn.model_selection import GridSearchCV\n"
            "grid = {'C': [0.1, 1, 10], 'gamma': [0.01, 0.1, 1]}\n"
            "search = GridSearchCV(SVC(), grid, cv=5)",
            ["TC104"],
        ),
        (
            "from sklearn.model_selection import KFold, cross_val_score\n"
            "print(cross_val_score(LogisticRegression(), X, y, cv=KFold(5, shuffle=True)))",
            ["TC103"],
        ),
        (
            "from sklearn.model_selection import KFold, cross_val_score\n"
            "cv = KFold(5, shuffle=True, random_state=0)\n"
            "print(cross_val_score(LogisticRegression(), X, y, cv=cv))",
            [],
        ),
    ],
)
def test_tuning_rules(snippet: str, expected: list[str]) -> None:
    assert codes(lint_source(snippet, "t.py")) == expected


def test_this_repository_passes_its_own_hook() -> None:
    """The pre-commit hook runs `mlvet lint` on the repository: it must be clean."""
    config = load_config(ROOT)
    assert "lint_corpus" in config.extend_exclude
    report = lint_paths([ROOT / "src", ROOT / "tests", ROOT / "bench"], config, jobs=1)
    assert report.files > 30
    assert report.findings == []


HEAD = (
    "import numpy as np\nimport pandas as pd\nimport lightgbm as lgb\n"
    "from sklearn.model_selection import train_test_split\n"
    "from sklearn.preprocessing import StandardScaler, scale\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.ensemble import RandomForestClassifier\n"
    "from sklearn.metrics import roc_auc_score, f1_score\n"
    "from xgboost import XGBClassifier\n"
    "df = pd.read_csv('d.csv')\nX, y = df.drop(columns=['y']), df['y']\n"
)
SPLIT = "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"


@pytest.mark.parametrize(
    "body",
    [
        # train / validation / test through a temporary set
        "X_train, X_tmp, y_train, y_tmp = train_test_split(X, y, test_size=0.3, random_state=0)\n"
        "X_val, X_test, y_val, y_test = train_test_split(X_tmp, y_tmp, test_size=0.5, random_state=0)\n"
        "sc = StandardScaler().fit(X_train)\n"
        "m = LogisticRegression().fit(sc.transform(X_train), y_train)\n"
        "print(m.score(sc.transform(X_val), y_val), m.score(sc.transform(X_test), y_test))",
        # a subsample of one side is not a split
        SPLIT + "X_small, y_small = X_train[:500], y_train[:500]\n"
        "X_test_small = X_test[:100]\n"
        "m = LogisticRegression().fit(X_small, y_small)\nprint(m.score(X_test_small, y_test[:100]))",
        # filters whose names contain 'hold', 'val', 'test' inside other words
        "high_value = df[df.spend > 1000]\nhouseholds = df[df.kind == 'h']\n"
        "latest = df[df.year == 2024]\n"
        "X_train, X_test, y_train, y_test = train_test_split(high_value.drop(columns=['y']), "
        "high_value['y'], random_state=0)\n"
        "m = LogisticRegression().fit(X_train, y_train)\nprint(m.score(X_test, y_test))",
        # statistics of each row
        "df['row_mean'] = df[['a', 'b']].mean(axis=1)\n"
        + SPLIT
        + "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))",
        # a table with a date column is not a time series
        "df['signup'] = pd.to_datetime(df['signup'])\ndf['tenure'] = (df['signup'] - df['signup']).dt.days\n"
        + SPLIT
        + "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))",
        # two models blended and scored once
        SPLIT + "m1 = RandomForestClassifier(random_state=0).fit(X_train, y_train)\n"
        "m2 = LogisticRegression().fit(X_train, y_train)\n"
        "blend = (m1.predict_proba(X_test)[:, 1] + m2.predict_proba(X_test)[:, 1]) / 2\n"
        "print(roc_auc_score(y_test, blend))",
        # an eval_set that only prints losses selects nothing
        SPLIT + "m = XGBClassifier(n_estimators=200).fit(X_train, y_train, "
        "eval_set=[(X_train, y_train), (X_test, y_test)])\nprint(m.score(X_test, y_test))",
        # the target built with shift(-1) and taken by attribute
        "df['target'] = df['close'].shift(-1)\ndf = df.dropna()\n"
        "X = df.drop(['target'], 1); y = df.target\n"
        "X_train, X_test, y_train, y_test = X[:800], X[800:], y[:800], y[800:]\n"
        "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))",
    ],
)
def test_correct_code_is_not_flagged(body: str) -> None:
    found = [f for f in lint_source(HEAD + body + "\n", "ok.py") if f.severity.value != "info"]
    assert found == [], [str(f) for f in found]


@pytest.mark.parametrize(
    "body, code",
    [
        (
            "mu, sd = np.mean(X, axis=0), np.std(X, axis=0)\nX = (X - mu) / sd\n"
            + SPLIT
            + "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))",
            "DL103",
        ),
        (
            "X = scale(X)\n"
            + SPLIT
            + "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))",
            "DL101",
        ),
        (
            SPLIT + "p = LogisticRegression().fit(X_train, y_train).predict_proba(X_test)[:, 1]\n"
            "f1_at = {t: f1_score(y_test, p >= t) for t in np.linspace(0.1, 0.9, 81)}",
            "GE103",
        ),
        (
            SPLIT
            + "models = {'lr': LogisticRegression(), 'rf': RandomForestClassifier(random_state=0)}\n"
            "scores = {n: m.fit(X_train, y_train).score(X_test, y_test) for n, m in models.items()}",
            "GE101",
        ),
        (
            SPLIT
            + "dtrain = lgb.Dataset(X_train, y_train)\nlgb_eval = lgb.Dataset(X_test, y_test)\n"
            "gbm = lgb.train({}, dtrain, valid_sets=lgb_eval, callbacks=[lgb.early_stopping(5)])\n"
            "print(roc_auc_score(y_test, gbm.predict(X_test)))",
            "GE102",
        ),
        (
            SPLIT + "p = LogisticRegression().fit(X_train, y_train).predict_proba(X_test)[:, 1]\n"
            "best = max(np.arange(0.05, 0.95, 0.01), key=lambda t: f1_score(y_test, p > t))",
            "GE103",
        ),
        (
            "X_trval, X_test = X[:800], X[800:]\ny_trval, y_test = y[:800], y[800:]\n"
            "m = LogisticRegression().fit(X, y)\nprint(m.score(X_test, y_test))",
            "DL121",
        ),
    ],
)
def test_leaky_variants_are_caught(body: str, code: str) -> None:
    assert code in codes(lint_source(HEAD + body + "\n", "leaky.py"))


def test_noqa_with_other_linters_codes_keeps_mlvet_findings() -> None:
    line = "X = StandardScaler().fit_transform(X)"
    assert codes(lint_source(LEAKY.replace(line, line + "  # noqa: E501, N806"), "t.py")) == [
        "DL101"
    ]
    assert lint_source(LEAKY.replace(line, line + "  # noqa: N806,DL101"), "t.py") == []


def test_columns_count_characters_not_bytes() -> None:
    code = LEAKY.replace(
        "X = StandardScaler().fit_transform(X)", "é = 1; X = StandardScaler().fit_transform(X)"
    )
    (finding,) = lint_source(code, "t.py")
    assert finding.location.column == 12


def test_sorting_by_a_declared_time_column_marks_the_frame_time_ordered() -> None:
    code = textwrap.dedent(
        """\
        import pandas as pd
        from imblearn.over_sampling import RandomOverSampler
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.model_selection import train_test_split
        df = pd.read_parquet("fails.parquet").sort_values(by=["trade_date", "cusip"])
        balanced, _ = RandomOverSampler(random_state=0).fit_resample(df, df["fail"])
        train, test = train_test_split(balanced, random_state=0)
        model = RandomForestClassifier(random_state=0).fit(train[["v"]], train["fail"])
        print(model.score(test[["v"]], test["fail"]))
        """
    )
    assert codes(lint_source(code, "t.py")) == ["DL111"]
    with_time = LintConfig(time_columns=("trade_date",))
    assert codes(lint_source(code, "t.py", config=with_time)) == ["DL111", "DL131"]


@pytest.mark.parametrize(
    "train, test",
    [
        ('frame.iloc[:200][["a", "b"]]', 'frame.iloc[200:][["a", "b"]]'),
        ('frame[["a", "b"]].iloc[:200]', 'frame[["a", "b"]].iloc[200:]'),
        ("X[:300] if numpy else frame.iloc[:300]", "X[300:] if numpy else frame.iloc[300:]"),
    ],
)
def test_inline_positional_slices_are_different_rows(train: str, test: str) -> None:
    code = textwrap.dedent(
        f"""\
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score
        frame = pd.read_parquet("f.parquet")
        X, numpy = frame.to_numpy(), False
        model = LogisticRegression().fit({train}, frame["y"][:200])
        print(accuracy_score(frame["y"][200:], model.predict({test})))
        """
    )
    assert lint_source(code, "t.py") == []
    same = code.replace(test, train)
    assert codes(lint_source(same, "t.py")) == ["DL122"]
