"""The ``mlvet`` command: one sub-command group per area.

Exit codes: 0 clean, 1 findings (or a broken audit chain), 2 usage or internal error.
``--exit-zero`` turns 1 into 0 where findings are reported.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from mlvet._findings import Finding
from mlvet._io import read_table
from mlvet._scorecard import scorecard, scorecard_json
from mlvet._version import __version__
from mlvet.catalog import Severity, get_antipattern, rule_page, rules
from mlvet.exceptions import ConfigError, InputError, MlvetError
from mlvet.ledger import Ledger, read_findings, upgrade
from mlvet.report import render

__all__ = ["app", "main"]

console = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # errors are never broken mid-line


class _Group(typer.core.TyperGroup):
    """Turns mlvet's own errors into a clear message and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MlvetError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from exc


app = typer.Typer(
    cls=_Group,
    name="mlvet",
    help="Vet machine-learning work for the nine MLOps antipatterns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create and migrate the ledger.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
catalog_app = typer.Typer(help="Datasets, versions and their assertions.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(catalog_app, name="catalog")
vault_app = typer.Typer(
    help="Sealed test sets: seal, evaluate within a budget, read the access log.",
    no_args_is_help=True,
)
app.add_typer(vault_app, name="vault")
review_app = typer.Typer(
    help="The human review queue: rows a Guard was unsure of, decided by a person.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")
models_app = typer.Typer(help="Registered models and their stage history.", no_args_is_help=True)
monitor_app = typer.Typer(
    help="Monitors: drift of every batch against a reference.", no_args_is_help=True
)
app.add_typer(monitor_app, name="monitor")
alerts_app = typer.Typer(
    help="Alerts raised by monitors: list, acknowledge, resolve.", no_args_is_help=True
)
app.add_typer(alerts_app, name="alerts")
app.add_typer(models_app, name="models")
token_app = typer.Typer(
    help="Access tokens for the dashboard and its API (viewer, reviewer, admin).",
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")


DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="MLVET_DB_URL", help="Ledger URL (default ./.mlvet/ledger.db)."),
]


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


class DriftFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"


class FindingsFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


class LintFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class LineageFormat(StrEnum):
    tree = "tree"
    json = "json"
    openlineage = "openlineage"


FormatOpt = Annotated[TextOrJson, typer.Option("--format", "-f", help="Output format.")]
ExitZero = Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")]


def _ledger(db: str | None, *, create: bool | None = None, check_revision: bool = True) -> Ledger:
    return Ledger(db, create=create, check_revision=check_revision)


def _existing_ledger(db: str | None, *, create: bool | None = None) -> Ledger:
    """A ledger to read from: a SQLite file that is not there is an error, not a new file.
    ``create=False`` also refuses a SQLite file that is not a ledger yet (rather than adding
    the ledger's tables to someone else's database)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from mlvet._config import get_settings

    raw = db or get_settings().db_url
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(
            f"--db takes a database URL, not {raw!r}: for a file, sqlite:///{raw} "
            "(sqlite://// and an absolute path), or postgresql://user@host:5432/db."
        ) from exc
    database = url.database or ""
    local = url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if local and not Path(database).exists():
        raise InputError(
            f"No ledger at {database}; check --db (or MLVET_DB_URL), or run the work that "
            "records into it first."
        )
    return _ledger(db, create=create)


def _exit_for(failed: bool, exit_zero: bool) -> None:
    raise typer.Exit(0 if exit_zero or not failed else 1)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        console.print(f"mlvet {__version__}")
        raise typer.Exit(0)


# --- rules ----------------------------------------------------------------------------
@app.command("rules")
def rules_cmd(fmt: FormatOpt = TextOrJson.text) -> None:
    """List every finding code."""
    items = rules()
    if fmt == "json":
        data = [
            {
                "code": r.code,
                "name": r.name,
                "antipattern": get_antipattern(r.family).name,
                "kind": r.kind,
                "severity": r.severity.value,
                "guard": r.guard,
                "message": r.message,
                "fix": r.fix,
            }
            for r in items
        ]
        console.print_json(json.dumps(data))
        return
    table = Table("code", "name", "antipattern", "kind", "severity", "guard", "message")
    for r in items:
        table.add_row(
            r.code,
            r.name,
            get_antipattern(r.family).name,
            r.kind,
            r.severity.value,
            r.guard,
            r.message,
        )
    console.print(table)


@app.command("explain")
def explain_cmd(code: str) -> None:
    """Print the page of a finding code (What it does / Why is this bad? / ...)."""
    page = rule_page(code)
    if sys.stdout.isatty():
        console.print(Markdown(page))
    else:
        typer.echo(page)


# --- db -------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None, revision: str = "head") -> None:
    """Create the ledger or migrate it to the newest schema revision."""
    led = _ledger(db, create=True, check_revision=False)  # an older ledger is what it migrates
    before, after = upgrade(led, revision)
    console.print(f"{led.display_url}: schema {before or '(new)'} -> {after}")


@db_app.command("current")
def db_current(db: DbOpt = None) -> None:
    """Print the ledger's schema revision."""
    from mlvet.ledger import current_revision, head_revision

    led = _ledger(db, check_revision=False)
    console.print(
        f"{led.display_url}: revision {current_revision(led)} (code expects {head_revision()})"
    )


# --- audit ----------------------------------------------------------------------------
@audit_app.command("verify")
def audit_verify(
    db: DbOpt = None,
    expect_head: Annotated[
        str | None, typer.Option(help="A head hash kept outside the ledger (mlvet audit head).")
    ] = None,
    fmt: FormatOpt = TextOrJson.text,
) -> None:
    """Walk the hash chain and every recorded row; exit 1 at the first sign of tampering."""
    led = _ledger(db)
    report = led.verify(expect_head=expect_head)
    if fmt == "json":
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "events": report.n_events,
                    "rows_checked": report.n_rows_checked,
                    "head_seq": report.head_seq,
                    "head_hash": report.head_hash,
                    "problems": [p.__dict__ for p in report.problems],
                },
                indent=2,
            )
        )
    elif report.ok:
        console.print(
            f"[green]OK[/green] {report.n_events} events, {report.n_rows_checked} rows verified; "
            f"head {report.head_seq} {report.head_hash}"
        )
    else:
        first = report.first
        assert first is not None
        console.print(f"[red]BROKEN[/red] first broken: {first.describe()}")
        for p in report.problems[1:]:
            console.print(f"  also: {p.describe()}")
        console.print(
            "  help: restore the ledger from a trusted backup; see `mlvet explain DC301`."
        )
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command("head")
def audit_head(db: DbOpt = None) -> None:
    """Print the chain head (keep it elsewhere; pass it to verify --expect-head)."""
    seq, digest = _ledger(db).head()
    typer.echo(f"{seq} {digest}")


@audit_app.command("log")
def audit_log(db: DbOpt = None, limit: int = 20) -> None:
    """Show the newest events of the audit trail."""
    led = _ledger(db)
    seq, _ = led.head()
    events = led.events(after=max(0, seq - limit))
    table = Table("seq", "time", "actor", "kind", "entity", "hash")
    for e in events:
        table.add_row(
            str(e["seq"]),
            e["created_at"],
            e["actor"],
            e["kind"],
            f"{e['entity'] or ''} {e['entity_id'] or ''}",
            e["hash"][:12],
        )
    console.print(table)


# --- catalog --------------------------------------------------------------------------
@catalog_app.command("list")
def catalog_list(db: DbOpt = None, fmt: FormatOpt = TextOrJson.text) -> None:
    """Every dataset with its newest version."""
    from mlvet.data import datasets

    items = datasets(ledger=_ledger(db))
    if fmt == "json":
        typer.echo(json.dumps(items, indent=2))
        return
    table = Table("dataset", "latest", "versions", "quarantined", "description")
    for d in items:
        q = str(d["quarantined"])
        table.add_row(
            d["name"],
            f"@{d['latest']}",
            str(d["versions"]),
            f"[red]{q}[/red]" if d["quarantined"] else q,
            d["description"],
        )
    console.print(table)


@catalog_app.command("register")
def catalog_register(
    path: Path,
    name: Annotated[str, typer.Option(help="Dataset name.")],
    inputs: Annotated[
        list[str] | None, typer.Option("--input", help="NAME@VERSION it derives from.")
    ] = None,
    produced_by: Annotated[str | None, typer.Option(help="The step that produced it.")] = None,
    db: DbOpt = None,
) -> None:
    """Register a Parquet or CSV file as a dataset version."""
    from mlvet.data import register_dataset

    v = register_dataset(
        read_table(path),
        name,
        inputs=inputs or [],
        produced_by=produced_by,
        uri=str(path.resolve()),
        ledger=_ledger(db),
        strict=False,
    )
    console.print(f"{v.ref} {v.status} {v.n_rows:,} rows x {v.n_columns} columns {v.fingerprint}")
    if v.findings:
        typer.echo(render(v.findings))
    raise typer.Exit(1 if v.quarantined else 0)


@catalog_app.command("show")
def catalog_show(ref: str, db: DbOpt = None, fmt: FormatOpt = TextOrJson.text) -> None:
    """One dataset version: fingerprints, columns, profile, status and findings."""
    from mlvet.data import get_version

    led = _ledger(db)
    v = get_version(ref, ledger=led)
    found = _findings_for(led, version_id=v.id)
    if fmt == "json":
        body = {
            k: getattr(v, k)
            for k in (
                "name",
                "version",
                "fingerprint",
                "rowset_fingerprint",
                "n_rows",
                "n_columns",
                "columns",
                "profile",
                "status",
                "created_at",
                "run_id",
                "uri",
                "schema_version",
            )
        }
        body["findings"] = [f.to_dict() for f in found]
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    status = f"[red]{v.status}[/red]" if v.quarantined else f"[green]{v.status}[/green]"
    console.print(f"[bold]{v.ref}[/bold] {status}  {v.n_rows:,} rows x {v.n_columns} columns")
    console.print(f"  fingerprint         {v.fingerprint}")
    console.print(f"  rowset fingerprint  {v.rowset_fingerprint}")
    console.print(f"  recorded            {v.created_at}   schema v{v.schema_version or '-'}")
    table = Table("column", "type", "nulls", "distinct", "min", "median", "max")
    for c in v.columns:
        p = v.profile["columns"].get(c["name"], {})
        table.add_row(
            c["name"],
            c["type"],
            str(p.get("null_count", "")),
            str(p.get("n_unique", "")),
            _fmt(p.get("min")),
            _fmt((p.get("quantiles") or {}).get("0.5")),
            _fmt(p.get("max")),
        )
    console.print(table)
    if found:
        typer.echo(render(found))


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _findings_for(
    led: Ledger, *, version_id: int | None = None, family: str | None = None
) -> list[Finding]:
    with led.connect() as conn:
        return read_findings(conn, dataset_version_id=version_id, family=family)


# --- vault ------------------------------------------------------------------------------
@vault_app.command("list")
def vault_list(db: DbOpt = None, fmt: FormatOpt = TextOrJson.text) -> None:
    """Every sealed set: size, commitment, budget spent and left (never a row)."""
    from mlvet.vault import vaults

    items = vaults(ledger=_ledger(db))
    if fmt == "json":
        typer.echo(json.dumps([v.to_dict() for v in items], indent=2))
        return
    table = Table("vault", "rows", "encrypted", "commitment", "final used", "left", "holdout used")
    for v in items:
        table.add_row(
            escape(v.name),
            f"{v.n_rows:,}",
            "yes" if v.encrypted else "no",
            v.commitment[:16] + "…",
            f"{v.final_spent}/{v.budget.total}",
            str(v.remaining),
            f"{v.thresholdout_spent}/{v.budget.thresholdout}",
        )
    console.print(table)


@vault_app.command("log")
def vault_log(name: str, db: DbOpt = None, fmt: FormatOpt = TextOrJson.text) -> None:
    """Every read of one vault: when, who, which model, why, the outcome."""
    from mlvet.vault import Vault

    vault = Vault(name, ledger=_ledger(db))
    reads = vault.log()
    if fmt == "json":
        typer.echo(json.dumps({"vault": vault.info().to_dict(), "reads": reads}, indent=2))
        return
    info = vault.info()
    console.print(
        f"[bold]{escape(info.name)}[/bold] {info.n_rows:,} rows, sealed {info.sealed_at}, "
        f"commitment {info.commitment}; {info.final_spent}/{info.budget.total} final "
        f"evaluation(s) used"
    )
    table = Table("#", "at", "actor", "kind", "status", "lineage", "model", "purpose", "result")
    for r in reads:
        result = r["result"]
        shown = ", ".join(
            f"{k} {_fmt(v.get('value'))}" for k, v in result.items() if isinstance(v, dict)
        ) or ", ".join(f"{k} {_fmt(v)}" for k, v in result.items())
        if r["override_reason"]:
            shown += f" (override: {r['override_reason']})"
        table.add_row(
            str(r["id"]),
            r["at"][:19],
            escape(r["actor"]),
            r["kind"],
            r["status"],
            escape(r["lineage"]),
            r["model_fingerprint"][:12],
            escape(r["purpose"]),
            escape(shown),
        )
    console.print(table)


@vault_app.command("seal")
def vault_seal(
    name: str,
    path: Path,
    target: Annotated[str, typer.Option(help="The label column.")],
    drop: Annotated[
        list[str] | None, typer.Option("--drop", help="A column that is not a feature (ids).")
    ] = None,
    per_lineage: Annotated[int, typer.Option(help="Final evaluations per model lineage.")] = 1,
    total: Annotated[int, typer.Option(help="Final evaluations in all.")] = 3,
    thresholdout: Annotated[int, typer.Option(help="Reusable-holdout answers.")] = 20,
    task: Annotated[
        str | None,
        typer.Option(help="classification or regression (default: inferred from the labels)."),
    ] = None,
    encrypt: Annotated[
        bool | None,
        typer.Option(
            "--encrypt/--no-encrypt", help="Default: encrypt when MLVET_VAULT_KEY is set."
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Seal a Parquet or CSV test set; prints only its size and commitment."""
    from mlvet.exceptions import InputError
    from mlvet.vault import Budget, Vault

    failure: str | None = None
    try:
        table = read_table(path)
    except MlvetError:
        raise
    except Exception as exc:  # parser messages quote the offending row: raise outside
        failure = type(exc).__name__
    if failure is not None:
        raise InputError(
            f"{path.name} cannot be parsed ({failure}); check it with the tool that wrote it. "
            "The parser's message is withheld because it may quote a test row."
        )
    missing = [c for c in [target, *(drop or [])] if c not in table.column_names]
    if missing:
        raise InputError(
            f"{path.name} has no column(s) {missing}; its columns are {table.column_names}."
        )
    frame = table.to_pandas()
    y = frame.pop(target).to_numpy()
    X = frame.drop(columns=list(drop or []))
    info = Vault(name, ledger=_ledger(db)).seal(
        X,
        y,
        budget=Budget(per_lineage=per_lineage, total=total, thresholdout=thresholdout),
        encrypt=encrypt,
        task=task,
    )
    console.print(
        f"sealed {escape(info.name)}: {info.n_rows:,} rows x {X.shape[1]} features, {info.task}"
        f"{f' ({info.n_classes} classes)' if info.n_classes else ''}, "
        f"{'encrypted, ' if info.encrypted else ''}commitment {info.commitment}"
    )


@vault_app.command("evaluate")
def vault_evaluate(
    name: str,
    model: Annotated[Path, typer.Argument(help="A fitted model saved with joblib or pickle.")],
    purpose: Annotated[str, typer.Option(help="Why this evaluation (recorded).")],
    metric: Annotated[
        list[str] | None, typer.Option("--metric", "-m", help="A metric name (repeatable).")
    ] = None,
    lineage: Annotated[str | None, typer.Option(help="Model lineage (default: its class).")] = None,
    override: Annotated[
        str | None, typer.Option(help="Evaluate beyond the budget, for this written reason.")
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = TextOrJson.text,
) -> None:
    """Score a saved model on a sealed set: aggregate metrics with 95% intervals.

    Loading a pickle runs code from it: only evaluate models you trust. Exit 1 when the
    budget refuses the evaluation (a GE301 finding is recorded).
    """
    import joblib

    from mlvet.exceptions import BudgetExceededError, InputError
    from mlvet.vault import Vault

    if not model.is_file():
        raise InputError(f"{model} is not a file; save the fitted model with joblib.dump.")
    fitted = joblib.load(model)
    try:
        result = Vault(name, ledger=_ledger(db)).evaluate(
            fitted, purpose=purpose, metrics=metric or None, lineage=lineage, override=override
        )
    except BudgetExceededError as exc:
        typer.echo(render([exc.finding], fmt="text"))
        err.print(f"[red]refused:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    if fmt == "json":
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    table = Table("metric", "value", "95% interval")
    for key, value in result.metrics.items():
        table.add_row(key, f"{value.value:.4f}", f"[{value.low:.4f}, {value.high:.4f}]")
    console.print(table)
    console.print(
        f"{escape(result.vault)} read #{result.read_id} for {escape(result.lineage)} "
        f"({result.model_fingerprint[:12]}); {result.remaining} final evaluation(s) left"
    )


@vault_app.command("verify")
def vault_verify(name: str, db: DbOpt = None) -> None:
    """Check the stored set against its commitment (exit 1 if it was altered)."""
    from mlvet.exceptions import VaultIntegrityError
    from mlvet.vault import Vault

    try:
        info = Vault(name, ledger=_ledger(db)).verify()
    except VaultIntegrityError as exc:
        err.print(f"[red]altered:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    console.print(f"{escape(info.name)}: {info.n_rows:,} rows match commitment {info.commitment}")


@app.command("findings")
def findings_cmd(
    db: DbOpt = None,
    family: Annotated[str | None, typer.Option(help="Only this family, e.g. DC.")] = None,
    fmt: Annotated[FindingsFormat, typer.Option("--format", "-f")] = FindingsFormat.text,
    exit_zero: ExitZero = False,
) -> None:
    """Open findings recorded in the ledger; exit 1 when any is a warning or an error."""
    found = _findings_for(_ledger(db), family=family)
    typer.echo(render(found, fmt.value))
    _exit_for(any(f.severity is not Severity.INFO for f in found), exit_zero)


# --- lint -----------------------------------------------------------------------------
@app.command("lint")
def lint_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Scripts, notebooks or folders.")],
    fmt: Annotated[
        LintFormat, typer.Option("--format", "-f", help="Output format.")
    ] = LintFormat.text,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", help="Only these codes or prefixes (repeatable)."),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", help="Skip these codes or prefixes (repeatable)."),
    ] = None,
    time_column: Annotated[
        list[str] | None,
        typer.Option("--time-column", help="A column that makes frames time-ordered (repeatable)."),
    ] = None,
    statistics: Annotated[
        bool, typer.Option("--statistics", help="Count findings per code.")
    ] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes.")
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Record the run and its findings in the ledger.")
    ] = False,
    db: DbOpt = None,
    exit_zero: ExitZero = False,
) -> None:
    """Check scripts and notebooks for leakage and evaluation antipatterns (no code is run).

    Exit 1 when any warning or error is found; info findings never fail.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from mlvet.lint import discover, lint_files, load_config, record_lint

    config = load_config(Path.cwd()).with_overrides(
        select=select or (), ignore=ignore or (), time_columns=time_column or ()
    )
    files = discover(paths, config)
    total = len(files)
    if total == 0:
        err.print("[yellow]warning:[/yellow] no .py or .ipynb files found under the given paths.")
    with Progress(
        TextColumn("linting"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=total < 200 or not err.is_terminal,
    ) as bar:
        task = bar.add_task("lint", total=total)
        report = lint_files(files, config, jobs=jobs, progress=lambda n: bar.advance(task, n))
    if fmt is LintFormat.text:
        from mlvet.report._render import TextRenderer

        typer.echo(TextRenderer(statistics=statistics).render(report.findings))
        err.print(f"{report.files} file(s) checked.")
    else:
        typer.echo(render(report.findings, fmt.value))
    if record:
        run_id = record_lint(report, [str(p) for p in paths], ledger=db)
        err.print(f"recorded lint run {run_id}")
    _exit_for(any(f.severity is not Severity.INFO for f in report.findings), exit_zero)


# --- lineage --------------------------------------------------------------------------
@app.command("lineage")
def lineage_cmd(
    ref: str,
    db: DbOpt = None,
    fmt: Annotated[LineageFormat, typer.Option("--format", "-f")] = LineageFormat.tree,
    plot: Annotated[Path | None, typer.Option(help="Also draw the graph to this PNG.")] = None,
    namespace: str = "mlvet",
) -> None:
    """The lineage of NAME[@VERSION]: upstream and downstream, with each step's code."""
    from mlvet.data import lineage, openlineage_events, plot_lineage

    led = _ledger(db)
    if fmt == "openlineage":
        typer.echo(json.dumps(openlineage_events(ref, namespace=namespace, ledger=led), indent=2))
    else:
        graph = lineage(ref, ledger=led)
        if fmt == "json":
            typer.echo(
                json.dumps(
                    {
                        "root": graph.root.ref,
                        "nodes": {
                            str(i): {"ref": n.ref, "status": n.status, "fingerprint": n.fingerprint}
                            for i, n in graph.nodes.items()
                        },
                        "edges": [
                            {
                                "parent": graph.nodes[p].ref,
                                "child": graph.nodes[c].ref,
                                "step": graph.step_label(r),
                            }
                            for p, c, r in graph.edges
                        ],
                    },
                    indent=2,
                )
            )
        else:
            console.print(_lineage_tree(graph))
    if plot is not None:
        out = plot_lineage(ref, plot, ledger=led)
        err.print(f"lineage plot written to {out}")


def _label(v: Any) -> str:
    mark = " [red](quarantined)[/red]" if v.quarantined else ""
    return f"[bold]{v.ref}[/bold]{mark} {v.n_rows:,} rows {v.fingerprint[:12]}"


def _lineage_tree(graph: Any) -> Tree:
    root = Tree(_label(graph.root))
    up = root.add("[dim]upstream[/dim]")

    def add_up(node: Tree, vid: int, seen: frozenset[int]) -> None:
        for parent, run_id in graph.parents(vid):
            if parent.id not in seen:
                child = node.add(f"{_label(parent)} [dim]-> {graph.step_label(run_id)}[/dim]")
                add_up(child, parent.id, seen | {parent.id})

    def add_down(node: Tree, vid: int, seen: frozenset[int]) -> None:
        for child_v, run_id in graph.children(vid):
            if child_v.id not in seen:
                child = node.add(f"[dim]{graph.step_label(run_id)} ->[/dim] {_label(child_v)}")
                add_down(child, child_v.id, seen | {child_v.id})

    add_up(up, graph.root.id, frozenset({graph.root.id}))
    down = root.add("[dim]downstream[/dim]")
    add_down(down, graph.root.id, frozenset({graph.root.id}))
    return root


# --- scorecard ------------------------------------------------------------------------
_STATUS_STYLE = {"violated": "red", "at risk": "yellow", "guarded": "green", "not checked": "dim"}


@app.command("scorecard")
def scorecard_cmd(
    db: DbOpt = None, fmt: FormatOpt = TextOrJson.text, exit_zero: ExitZero = False
) -> None:
    """All nine antipatterns with their status, from what the ledger records."""
    rows = scorecard(ledger=_ledger(db))
    if fmt == "json":
        typer.echo(scorecard_json(rows))
    else:
        console.print(scorecard_table(rows))
    _exit_for(any(r.status == "violated" for r in rows), exit_zero)


def scorecard_table(rows: list[Any]) -> Table:
    table = Table("code", "antipattern", "status", "open", "note", title="mlvet scorecard")
    stage = None
    for r in rows:
        if r.stage != stage:
            stage = r.stage
            table.add_section()
            table.add_row("", f"[bold]{stage}[/bold]", "", "", "")
        style = _STATUS_STYLE[r.status]
        table.add_row(
            r.family,
            r.name,
            f"[{style}]{r.status}[/{style}]",
            f"{r.errors}E {r.warnings}W",
            escape(r.note),
        )
    return table


# --- experiments ----------------------------------------------------------------------
@app.command("runs")
def runs_cmd(
    db: DbOpt = None,
    kind: Annotated[
        str | None, typer.Option(help="Only runs of this kind: tune, compare, ablate, lint...")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 50,
    fmt: FormatOpt = TextOrJson.text,
) -> None:
    """Recorded runs, newest first: the ids that `mlvet diff` and `mlvet trials` take."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s

    with _existing_ledger(db).connect() as conn:
        q = select(s.runs).order_by(s.runs.c.started_at.desc(), s.runs.c.id).limit(limit)
        if kind:
            q = q.where(s.runs.c.kind == kind)
        rows = [dict(r) for r in conn.execute(q).mappings()]
    if fmt == "json":
        keys = ("id", "kind", "name", "status", "started_at", "families")
        typer.echo(json.dumps([{k: r[k] for k in keys} for r in rows], indent=2))
        return
    table = Table("run", "kind", "name", "status", "started", title="runs")
    for r in rows:
        table.add_row(r["id"][:8], r["kind"], escape(r["name"]), r["status"], r["started_at"][:19])
    console.print(table)


@app.command("trials")
def trials_cmd(
    run: Annotated[str, typer.Argument(help="A tune run: id, id prefix or name.")],
    db: DbOpt = None,
    fmt: FormatOpt = TextOrJson.text,
) -> None:
    """Every trial of a recorded search: parameters, fold scores, status, errors."""
    from sqlalchemy import select

    from mlvet.experiments._diff import resolve_run
    from mlvet.ledger import _schema as s

    with _existing_ledger(db).connect() as conn:
        found = resolve_run(conn, run)
        if found["kind"] != "tune":
            raise InputError(
                f"Run {found['id'][:8]} is a {found['kind']} run, not a search (tune)."
            )
        rows = [
            dict(r)
            for r in conn.execute(
                select(s.trials)
                .where(s.trials.c.run_id == found["id"])
                .order_by(s.trials.c.trial_index)
            ).mappings()
        ]
        search = (
            conn.execute(select(s.searches).where(s.searches.c.run_id == found["id"]))
            .mappings()
            .first()
        )
    spec = json.loads(search["spec_json"]) if search else {}
    summary = json.loads(search["result_json"]) if search and search["result_json"] else {}
    trials = [
        {
            "trial": r["trial_index"],
            "status": r["status"],
            "params": json.loads(r["params_json"]),
            "folds": json.loads(r["scores_json"]).get("folds", [])
            if r["scores_json"] != "[]"
            else [],
            "seed": r["seed"],
            "duration_s": r["duration_s"],
            "worker": r["worker"],
            "error": r["error"],
        }
        for r in rows
    ]
    if fmt == "json":
        typer.echo(
            json.dumps(
                {"run": found["id"], "spec": spec, "summary": summary, "trials": trials}, indent=2
            )
        )
        return
    best = summary.get("best_index")
    title = (
        f"{found['name']} ({found['id'][:8]}): {spec.get('sampler', '?')} sampler, seed "
        f"{spec.get('seed', '?')}, {spec.get('scoring', '?')}"
    )
    names = sorted(spec.get("space", {}))
    table = Table("trial", *names, "mean", "folds", "status", title=escape(title))
    for column in table.columns:  # long parameter names wrap instead of being cut off
        column.overflow = "fold"
    for column in (table.columns[0], *table.columns[-3:]):
        column.no_wrap = True
    for t in trials:
        folds = [v for v in t["folds"] if v is not None]
        mean = f"{sum(folds) / len(folds):.4f}" if folds else "-"
        label = "default" if t["trial"] == -1 else str(t["trial"])
        if t["trial"] == best:
            label += " *"
        table.add_row(
            label,
            *(_param_cell(t["params"], n) for n in names),
            mean,
            f"{len(folds)}/{len(t['folds']) or '-'}",
            t["status"],
        )
    console.print(table)
    failed = [t for t in trials if t["error"]]
    if failed:
        last = failed[0]["error"].strip().splitlines()[-1]
        console.print(f"{len(failed)} trial(s) failed; first error: {escape(last)}")


def _param_cell(params: dict[str, Any], name: str) -> str:
    if name not in params:
        return "-"  # the estimator's own value (trial -1)
    value = params[name]
    return f"{value:.4g}" if isinstance(value, float) else escape(str(value))


@app.command("diff")
def diff_cmd(
    run_a: Annotated[str, typer.Argument(help="The earlier run: id, id prefix or name.")],
    run_b: Annotated[str, typer.Argument(help="The later run: id, id prefix or name.")],
    credited: Annotated[
        str | None,
        typer.Option(
            help="The factor a report credits with the difference: data, features, "
            "preprocessing, model, parameters, splits, code or settings."
        ),
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = TextOrJson.text,
    exit_zero: ExitZero = False,
) -> None:
    """What changed between two runs; exit 1 when a credited factor did not change alone (CA202)."""
    from mlvet.experiments import diff

    result = diff(run_a, run_b, credited=credited, ledger=_existing_ledger(db))
    if fmt == "json":
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        console.print(escape(str(result)), highlight=False)
        for f in result.findings:
            console.print(f"[yellow]{f.code}[/yellow] {escape(f.message)}")
    _exit_for(bool(result.findings), exit_zero)


# --- drift ----------------------------------------------------------------------------


@app.command("drift")
def drift_cmd(
    reference: Annotated[
        str, typer.Argument(help="The reference: Parquet, CSV, or a DuckDB table PATH::TABLE.")
    ],
    current: Annotated[
        str, typer.Argument(help="The batch: Parquet, CSV, or a DuckDB table PATH::TABLE.")
    ],
    features: Annotated[
        str | None, typer.Option(help="Comma-separated columns (default: all).")
    ] = None,
    threshold: Annotated[float, typer.Option(help="PSI at which a column has drifted.")] = 0.2,
    fmt: Annotated[
        DriftFormat, typer.Option("--format", "-f", help="Output format (html: a page).")
    ] = DriftFormat.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here, not stdout.")
    ] = None,
    multivariate: Annotated[
        bool,
        typer.Option(help="Also a domain classifier's AUC (on up to 10,000 sampled rows a side)."),
    ] = False,
    exit_zero: ExitZero = False,
) -> None:
    """Per-column drift of CURRENT against REFERENCE, decided by effect size (PSI);
    exit 1 when a column drifted. A DuckDB table is profiled by DuckDB itself."""
    from mlvet._io import read_source
    from mlvet.monitoring import compare_profiles, profile_against, profile_reference

    cols = [c.strip() for c in features.split(",") if c.strip()] if features else None
    ref = profile_reference(read_source(reference), features=cols)
    cur = profile_against(read_source(current), ref)
    report = compare_profiles(ref, cur, threshold=threshold)
    if multivariate:
        import dataclasses

        from mlvet.monitoring import domain_classifier

        domain = domain_classifier(  # a DuckDB table is sampled by DuckDB
            read_source(reference), read_source(current), features=list(ref.columns)
        )
        report = dataclasses.replace(report, multivariate=domain)
    if fmt == "html":
        text = report.to_html(ref, cur, title=f"Drift: {current} against {reference}")
    elif fmt == "json":
        text = report.to_json()
    else:
        text = str(report)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"report written: {escape(str(output))}")
    elif fmt == "text":
        console.print(escape(text), highlight=False, soft_wrap=True)  # one line per column
    else:
        typer.echo(text)
    multi = report.multivariate is not None and report.multivariate.drifted
    _exit_for(bool(report.drifted) or multi, exit_zero)


@monitor_app.command("run")
def monitor_run_cmd(
    config: Annotated[Path, typer.Argument(help="A monitors YAML file.")],
    db: DbOpt = None,
    fmt: FormatOpt = TextOrJson.text,
) -> None:
    """Observe every new batch of every monitor in CONFIG and evaluate its alert rules;
    batches already observed are skipped (safe to run from cron)."""
    from mlvet.monitoring import run_config

    summaries = run_config(config, ledger=_ledger(db), progress=fmt == "text")
    if fmt == "json":
        typer.echo(json.dumps(summaries, indent=2))
        return
    table = Table(
        "monitor", "batch files", "new", "drifted", "labels", "alerts opened", title="monitor run"
    )
    for m in summaries:
        labels = f"{m['labels_joined']:,}" + (
            f" ({m['labels_unknown']:,} unknown ids)" if m["labels_unknown"] else ""
        )
        table.add_row(
            escape(m["monitor"]),
            str(m["files"]),
            str(len(m["new_batches"])),
            escape(", ".join(m["drifted"]) or "-"),
            labels,
            escape("; ".join(m["alerts_opened"]) or "-"),
        )
    console.print(table)


@monitor_app.command("show")
def monitor_show_cmd(
    name: Annotated[str, typer.Argument(help="The monitor's name.")],
    db: DbOpt = None,
    fmt: FormatOpt = TextOrJson.text,
    plot: Annotated[
        Path | None, typer.Option(help="Also draw drift over time to this PNG.")
    ] = None,
    plot_performance: Annotated[
        Path | None,
        typer.Option(help="Also draw estimated and realized performance to this PNG."),
    ] = None,
    metric: Annotated[str, typer.Option(help="The metric --plot-performance draws.")] = "roc_auc",
) -> None:
    """The latest batch's drift per column, how many batches drifted so far, and the
    performance per batch: estimated without labels and realized once they came."""
    from mlvet.monitoring import Monitor

    monitor = Monitor.open(name, ledger=_existing_ledger(db))
    latest = monitor.latest()
    history = monitor.history()
    perf = monitor.performance()
    if fmt == "json":
        typer.echo(
            json.dumps(
                {
                    "monitor": name,
                    "batches": int(history.batch_key.nunique()) if len(history) else 0,
                    "latest": latest.to_dict() if latest else None,
                    "performance": json.loads(perf.to_json(orient="records")),
                    "rules": monitor.rules,
                },
                indent=2,
            )
        )
    else:
        batches = history.batch_key.nunique() if len(history) else 0
        drifted = history[history.drifted].batch_key.nunique() if len(history) else 0
        console.print(f"monitor {escape(name)}: {batches} batch(es), {drifted} with drift")
        if latest is not None:
            last = history.batch_key.iloc[-1]
            console.print(f"latest batch {escape(str(last))}:")
            console.print(escape(str(latest)), highlight=False)
        if len(perf):
            table = Table(
                "batch",
                "metric",
                "estimated",
                "realized",
                "labelled",
                "error",
                title="performance (estimated from the scores; realized from labels)",
            )
            for r in perf.tail(24).itertuples():
                table.add_row(
                    escape(str(r.batch_key)),
                    r.metric,
                    _metric(r.estimated),
                    _metric(r.realized),
                    f"{int(r.n_labelled):,}",
                    _metric(r.error, sign=True),
                )
            console.print(table)
    if plot is not None:
        console.print(f"plot: {monitor.plot(plot)}")
    if plot_performance is not None:
        console.print(f"plot: {monitor.plot_performance(plot_performance, metric=metric)}")


def _metric(value: Any, *, sign: bool = False) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:+.3f}" if sign else f"{value:.3f}"


@alerts_app.command("list")
def alerts_list_cmd(
    db: DbOpt = None,
    status: Annotated[str, typer.Option(help="open, acknowledged, resolved or all.")] = "open",
    monitor: Annotated[str | None, typer.Option(help="Only this monitor's alerts.")] = None,
    fmt: FormatOpt = TextOrJson.text,
) -> None:
    """Alerts, oldest first; exit 1 when any listed alert is still open."""
    from mlvet.monitoring import alerts

    if status not in ("open", "acknowledged", "resolved", "all"):
        raise InputError(f"--status must be open, acknowledged, resolved or all; got {status!r}.")
    found = alerts(
        status=None if status == "all" else status, monitor=monitor, ledger=_existing_ledger(db)
    )
    if fmt == "json":
        typer.echo(json.dumps([a.__dict__ for a in found], indent=2, default=str))
    else:
        table = Table("id", "monitor", "rule", "status", "since", "by", "why", title="alerts")
        for a in found:
            table.add_row(
                str(a.id),
                escape(a.monitor),
                escape(a.rule),
                a.status,
                a.created_at[:19],
                escape(a.updated_by or ""),
                escape(a.reason or ""),
            )
        console.print(table)
    raise typer.Exit(1 if any(a.status == "open" for a in found) else 0)


@alerts_app.command("ack")
def alerts_ack_cmd(
    alert: Annotated[int, typer.Argument(help="The alert's id.")],
    who: Annotated[str, typer.Option("--who", help="Who is on it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, or what happens next.")],
    db: DbOpt = None,
) -> None:
    """Acknowledge an alert (recorded with who and why)."""
    from mlvet.monitoring import acknowledge

    done = acknowledge(alert, who=who, reason=reason, ledger=_existing_ledger(db))
    console.print(f"alert {done.id} acknowledged by {escape(who)}")


@alerts_app.command("resolve")
def alerts_resolve_cmd(
    alert: Annotated[int, typer.Argument(help="The alert's id.")],
    who: Annotated[str, typer.Option("--who", help="Who resolved it.")],
    reason: Annotated[str, typer.Option("--reason", help="How it was dealt with.")],
    db: DbOpt = None,
) -> None:
    """Resolve an alert (recorded with who and why)."""
    from mlvet.monitoring import resolve

    done = resolve(alert, who=who, reason=reason, ledger=_existing_ledger(db))
    console.print(f"alert {done.id} resolved by {escape(who)}")


# --- review queue and models ----------------------------------------------------------
@review_app.command("list")
def review_list_cmd(
    db: DbOpt = None,
    status: Annotated[str, typer.Option(help="open, decided or all.")] = "open",
    limit: Annotated[int, typer.Option(min=1)] = 100,
    fmt: FormatOpt = TextOrJson.text,
) -> None:
    """Review items, oldest first: the row, the prediction, why it was routed."""
    from mlvet.guard import reviews

    if status not in ("open", "decided", "all"):
        raise InputError(f"--status must be open, decided or all; got {status!r}.")
    items = reviews(
        status=None if status == "all" else status, limit=limit, ledger=_existing_ledger(db)
    )
    if fmt == "json":
        typer.echo(json.dumps([i.__dict__ for i in items], indent=2, default=str))
        return
    table = Table("id", "row", "prediction", "reason", "status", title=f"review queue ({status})")
    for column in table.columns:
        column.overflow = "fold"
    for i in items:
        table.add_row(
            str(i.id),
            escape(str(i.row_key)),
            escape(json.dumps(i.prediction)),
            escape(i.reason),
            i.status,
        )
    console.print(table)


@review_app.command("show")
def review_show_cmd(
    item: Annotated[int, typer.Argument(help="The review item's id.")],
    db: DbOpt = None,
    fmt: FormatOpt = TextOrJson.text,
) -> None:
    """One review item in full: inputs, prediction, set or interval, reason, decision."""
    from mlvet.guard import review_item

    found = review_item(item, ledger=_existing_ledger(db))
    if fmt == "json":
        typer.echo(json.dumps(found.__dict__, indent=2, default=str))
        return
    console.print(
        f"[bold]review item {found.id}[/bold] (row {escape(str(found.row_key))}), {found.status}"
    )
    console.print(f"  routed because: {escape(found.reason)}")
    console.print(f"  model said: {escape(json.dumps(found.prediction))}")
    for key, value in found.inputs.items():
        console.print(f"    {escape(str(key))} = {escape(str(value))}")
    if found.decision:
        console.print(
            f"  decided by {escape(str(found.reviewer))} at {found.decided_at}: "
            f"{escape(json.dumps(found.decision))}"
        )


@review_app.command("decide")
def review_decide_cmd(
    item: Annotated[int, typer.Argument(help="The review item's id.")],
    label: Annotated[str, typer.Option("--label", help="The reviewer's answer (becomes a label).")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who decides.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
    db: DbOpt = None,
) -> None:
    """Decide an open review item; the decision, who and why are recorded."""
    from mlvet.guard import decide, review_item

    led = _existing_ledger(db)
    said = review_item(item, ledger=led).prediction.get("prediction")
    value: Any = label
    if not isinstance(said, str):  # numeric classes: 1 is a number; string classes stay text
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(label)
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"--label {label!r} is not a usable label; give the class the row has.")
    done = decide(item, value, reviewer=reviewer, reason=reason, ledger=led)
    console.print(
        f"review item {done.id} decided by {escape(str(done.reviewer))}: label "
        f"{escape(json.dumps((done.decision or {}).get('label')))}"
    )


@models_app.command("history")
def models_history_cmd(
    name: Annotated[str, typer.Argument(help="A registered model's name.")],
    db: DbOpt = None,
    fmt: FormatOpt = TextOrJson.text,
) -> None:
    """Every stage change of every version of a model: when, who, why."""
    from mlvet.guard import model_history

    rows = model_history(name, ledger=_existing_ledger(db))
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(
        "version", "stage", "at", "who", "why", "fingerprint", title=f"model {escape(name)}"
    )
    for r in rows:
        table.add_row(
            str(r["version"]),
            r["stage"],
            r["at"][:19],
            escape(r["actor"]),
            escape(r["reason"]),
            r["fingerprint"],
        )
    console.print(table)


@models_app.command("revalidate")
def models_revalidate_cmd(
    name: Annotated[str, typer.Argument(help="A registered model's name.")],
    version: Annotated[int, typer.Argument(help="The version in production.")],
    reason: Annotated[str, typer.Option(help="What was checked, and what it showed.")],
    db: DbOpt = None,
) -> None:
    """Record that a production model was checked again and stays (clears SF201/SF202
    at the next `mlvet monitor check`)."""
    from mlvet.monitoring import revalidate

    revalidate(name, version, reason=reason, ledger=_existing_ledger(db))
    console.print(f"{escape(name)}@{version} revalidated")


@monitor_app.command("check")
def monitor_check_cmd(
    max_age_days: Annotated[
        float, typer.Option(help="Staleness age: days since the last validation.")
    ] = 180,
    db: DbOpt = None,
    fmt: Annotated[FindingsFormat, typer.Option("--format", "-f")] = FindingsFormat.text,
    exit_zero: ExitZero = False,
) -> None:
    """Check every production model: a monitor (AN201), alert rules (AN202), its age
    (SF201), revalidation after alerts (SF202). Exit 1 on a finding."""
    from mlvet.monitoring import check_deployments

    found = check_deployments(max_age_days=max_age_days, ledger=_existing_ledger(db))
    typer.echo(render(found, fmt.value))
    _exit_for(bool(found), exit_zero)


# --- dashboard ------------------------------------------------------------------------
class Role(StrEnum):
    viewer = "viewer"
    reviewer = "reviewer"
    admin = "admin"


@token_app.command("create")
def token_create_cmd(
    role: Annotated[Role, typer.Option("--role", help="viewer, reviewer or admin.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Who or what holds it (default: your user).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Create a token and print it (this once; the ledger keeps only its SHA-256)."""
    from mlvet._config import get_settings
    from mlvet.dashboard import create_token

    info, secret = create_token(
        name or get_settings().actor, role.value, ledger=_existing_ledger(db, create=False)
    )
    err.print(
        f"token {info.id} for {escape(info.name)} ({info.role}); copy it now, it is not "
        "shown again:"
    )
    typer.echo(secret)


@token_app.command("list")
def token_list_cmd(db: DbOpt = None, fmt: FormatOpt = TextOrJson.text) -> None:
    """Every token: name, role, who made it, whether it is revoked (never the token)."""
    from dataclasses import asdict

    from mlvet.dashboard import tokens

    found = tokens(ledger=_existing_ledger(db, create=False))
    if fmt is TextOrJson.json:
        typer.echo(json.dumps([asdict(t) for t in found], indent=2))
        return
    table = Table("id", "name", "role", "starts", "created", "by", "revoked", title="tokens")
    for t in found:
        table.add_row(
            str(t.id),
            escape(t.name),
            t.role,
            t.prefix + "…",
            t.created_at,
            escape(t.created_by),
            t.revoked_at or "",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke_cmd(
    token_id: Annotated[int, typer.Argument(help="The token's id (`mlvet token list`).")],
    db: DbOpt = None,
) -> None:
    """Revoke a token: it and its browser sessions stop working at once."""
    from mlvet.dashboard import revoke_token

    info = revoke_token(token_id, ledger=_existing_ledger(db, create=False))
    console.print(f"token {info.id} ({escape(info.name)}) revoked at {info.revoked_at}")


@app.command("serve")
def serve_cmd(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8765,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.", min=1, max=64)] = 2,
) -> None:
    """Run the dashboard (and its JSON API under /api) on a ledger."""
    from mlvet.dashboard import server_modules

    _, uvicorn = server_modules()  # names the extra to install when it is missing
    led = _existing_ledger(db, create=False)
    url = led.url.render_as_string(hide_password=False)
    led.dispose()
    os.environ["MLVET_DASHBOARD_DB"] = url
    config = uvicorn.Config(
        "mlvet.dashboard._app:factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
    # the socket is made here, as TCP: uvicorn's own (protocol 0) keeps asyncio from setting
    # TCP_NODELAY under several workers, which added ~40 ms to every small answer
    sock = _tcp_socket(host, port)
    err.print(
        f"mlvet dashboard on http://{host}:{port}/ for {escape(led.display_url)} "
        f"({workers} worker(s)); log in with a token from `mlvet token create`."
    )
    server = uvicorn.Server(config)
    if workers > 1:
        import inspect

        from uvicorn.supervisors import Multiprocess

        supervisor: Any = Multiprocess
        if "target" in inspect.signature(supervisor).parameters:  # uvicorn before 0.50
            supervisor(config, target=server.run, sockets=[sock]).run()
        else:
            supervisor(config, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])


def _tcp_socket(host: str, port: int) -> Any:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"Cannot listen on {host}:{port} ({exc.strerror}); choose another --port or --host."
        ) from exc
    sock.set_inheritable(True)
    return sock


# --- demo -----------------------------------------------------------------------------
@app.command("demo")
def demo_cmd(
    db: Annotated[str | None, typer.Option("--db", help="Ledger URL for the demo.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the demo's ledger and plots.")] = Path(
        ".mlvet/demo"
    ),
) -> None:
    """Tell the paper's case study end to end on bundled synthetic data."""
    from mlvet.demo import run_demo

    run_demo(db_url=db, out=out, console=console)


def main() -> None:
    """Entry point: map mlvet's errors to exit code 2 with a clear message."""
    try:
        rv = app(standalone_mode=False)
    except MlvetError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(2)
    except Exception as exc:  # click usage errors and anything unexpected
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # a click UsageError
            exc.show()
            sys.exit(2)
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc}")
        sys.exit(2)
    sys.exit(rv if isinstance(rv, int) else 0)
