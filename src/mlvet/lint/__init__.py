"""``mlvet lint``: static detection of leakage and evaluation antipatterns.

Scripts and notebooks are parsed (never executed) and analysed by a dataflow
interpretation of the AST (see :mod:`mlvet.lint._engine`): which values derive from
loaded data, where they are split, what learns state from which rows, and what is
scored on which rows.

>>> from mlvet.lint import lint_source
>>> code = '''
... from sklearn.model_selection import train_test_split
... from sklearn.preprocessing import StandardScaler
... from sklearn.linear_model import LogisticRegression
... X_s = StandardScaler().fit_transform(X)
... X_train, X_test, y_train, y_test = train_test_split(X_s, y, random_state=0)
... model = LogisticRegression().fit(X_train, y_train)
... print(model.score(X_test, y_test))
... '''
>>> [f.code for f in lint_source(code, "train.py")]
['DL101']
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlvet._config import pyproject_table
from mlvet._findings import Finding, Location
from mlvet.catalog import select_rules
from mlvet.exceptions import ConfigError, InputError
from mlvet.lint._engine import Issue, analyse
from mlvet.lint._source import SourceFile, load_source, parse_text

__all__ = [
    "DEFAULT_EXCLUDES",
    "LintConfig",
    "LintReport",
    "discover",
    "lint_file",
    "lint_files",
    "lint_paths",
    "lint_source",
    "load_config",
]

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    ".env",
    "env",
    "__pycache__",
    ".ipynb_checkpoints",
    "node_modules",
    "build",
    "dist",
    "site-packages",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".mlvet",
    ".eggs",
    "*.egg-info",
)
SUFFIXES = frozenset({".py", ".ipynb"})
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+\d*(?:[\s,]+[A-Z]+\d*)*))?", re.I)


@dataclass(frozen=True)
class LintConfig:
    """What to check: ``[tool.mlvet.lint]`` in ``pyproject.toml``, or built in code.

    ``select``/``ignore`` take codes or prefixes (``"DL"``, ``"DL1"``, ``"DL101"``);
    ``per_file_ignores`` maps a glob (matched against the path relative to the project
    and against the file name) to codes or prefixes; ``exclude`` replaces the default
    folder excludes and ``extend_exclude`` adds to them; ``time_columns`` names columns
    that make a frame time-ordered (for the temporal-leakage rule).
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    time_columns: tuple[str, ...] = ()
    root: Path = field(default_factory=Path.cwd)

    def __post_init__(self) -> None:
        def upper(codes: Iterable[str]) -> tuple[str, ...]:
            return tuple(c.strip().upper() if isinstance(c, str) else c for c in codes)

        object.__setattr__(self, "select", upper(self.select))
        object.__setattr__(self, "ignore", upper(self.ignore))
        object.__setattr__(
            self, "per_file_ignores", tuple((p, upper(c)) for p, c in self.per_file_ignores)
        )
        for name in ("exclude", "extend_exclude", "time_columns"):
            values = getattr(self, name)
            if isinstance(values, str) or not all(isinstance(v, str) for v in values):
                raise InputError(
                    f"LintConfig.{name} must be a sequence of strings, got {values!r}."
                )
        select_rules(self.select, self.ignore)  # validates every prefix
        for pattern, codes in self.per_file_ignores:
            if not isinstance(pattern, str):
                raise ConfigError(f"per-file-ignores keys must be glob strings, got {pattern!r}.")
            select_rules(codes)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.code for r in select_rules(self.select, self.ignore))

    def ignored_for(self, path: str) -> tuple[str, ...]:
        name = Path(path).name
        out: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(name, pattern):
                out.extend(codes)
        return tuple(out)

    def excluded(self, part: str) -> bool:
        return any(fnmatch.fnmatch(part, p) for p in (*self.exclude, *self.extend_exclude))

    def with_overrides(
        self,
        *,
        select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        time_columns: Sequence[str] = (),
    ) -> LintConfig:
        return LintConfig(
            select=tuple(select) or self.select,
            ignore=(*self.ignore, *ignore),
            per_file_ignores=self.per_file_ignores,
            exclude=self.exclude,
            extend_exclude=self.extend_exclude,
            time_columns=(*self.time_columns, *time_columns),
            root=self.root,
        )


def _strings(table: dict[str, Any], key: str, where: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"[tool.mlvet.lint] {key} in {where} must be a list of strings, got {value!r}."
        )
    return tuple(value)


def load_config(start: Path | None = None) -> LintConfig:
    """``[tool.mlvet.lint]`` from the nearest ``pyproject.toml`` at or above ``start``."""
    start = (start or Path.cwd()).resolve()
    folder = start if start.is_dir() else start.parent
    mlvet_table, path = pyproject_table(folder)
    if path is None:
        return LintConfig(root=folder)
    table = mlvet_table.get("lint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.mlvet.lint] in {path} must be a table.")
    known = {"select", "ignore", "per-file-ignores", "exclude", "extend-exclude", "time-columns"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"Unknown key(s) {unknown} in [tool.mlvet.lint] of {path}; valid keys are {sorted(known)}."
        )
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(
            f"[tool.mlvet.lint] per-file-ignores in {path} must be a table of glob = [codes]."
        )
    per_file = tuple((str(k), _strings(pfi, k, path)) for k in pfi)
    return LintConfig(
        select=_strings(table, "select", path),
        ignore=_strings(table, "ignore", path),
        per_file_ignores=per_file,
        exclude=_strings(table, "exclude", path) if "exclude" in table else DEFAULT_EXCLUDES,
        extend_exclude=_strings(table, "extend-exclude", path),
        time_columns=_strings(table, "time-columns", path),
        root=path.parent,
    )


# --- files ---------------------------------------------------------------------------------


def discover(
    paths: Iterable[str | os.PathLike[str]], config: LintConfig | None = None
) -> list[Path]:
    """The ``.py`` and ``.ipynb`` files under ``paths``, sorted, excludes applied to folders.

    A file named explicitly is always linted, whatever its suffix.
    """
    config = config or LintConfig()
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{str(raw)!r} does not exist; pass files or folders to lint.")
        if path.is_file():
            found.append(path)
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not config.excluded(d))
            for name in sorted(files):
                if Path(name).suffix.lower() in SUFFIXES and not config.excluded(name):
                    found.append(Path(folder) / name)
    return sorted(dict.fromkeys(found))


def _noqa(line: str) -> tuple[str, ...] | None:
    """``()`` for a bare ``# noqa``, the codes for ``# noqa: DL101,GE``, None without one."""
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    # other linters' codes (E501, N806) on the same comment suppress nothing of mlvet's
    return tuple(c.upper() for c in re.split(r"[\s,]+", codes) if c) if codes else ()


def _char_column(line: str, byte_column: int) -> int:
    """1-based character column from the parser's 1-based UTF-8 byte column."""
    raw = line.encode("utf-8")
    return len(raw[: max(byte_column - 1, 0)].decode("utf-8", errors="ignore")) + 1


def _suppressed(code: str, noqa: tuple[str, ...] | None) -> bool:
    return noqa is not None and (not noqa or any(code.startswith(c) for c in noqa))


def _findings(src: SourceFile, issues: Iterable[Issue], config: LintConfig) -> list[Finding]:
    allowed = config.codes
    ignored = config.ignored_for(src.path)
    out: list[Finding] = []
    for problem in src.problems:
        if "MV001" in allowed and not any("MV001".startswith(c) for c in ignored):
            out.append(
                Finding.of(
                    "MV001",
                    (
                        f"Cell {problem.cell} of {Path(src.path).name} was not checked: "
                        f"{problem.message}; the other cells were."
                        if problem.cell is not None
                        else f"{Path(src.path).name} was not checked: {problem.message}."
                    ),
                    location=Location(
                        path=src.path, line=problem.line, column=problem.column, cell=problem.cell
                    ),
                )
            )
    for issue in issues:
        if issue.code not in allowed or any(issue.code.startswith(c) for c in ignored):
            continue
        cell, cell_line = src.locate(issue.line)
        text = src.source_line(issue.line)
        column = _char_column(text, issue.column)
        if _suppressed(issue.code, _noqa(text)):
            continue
        evidence = {
            k: (src.describe_line(v) if src.is_notebook else v)
            if k.endswith("_line") and isinstance(v, int)
            else v
            for k, v in issue.evidence
        }
        evidence["source_line"] = text
        if issue.end_line == issue.line and issue.end_column is not None:
            evidence["end_column"] = _char_column(text, issue.end_column + 1)
        if src.reordered:
            evidence["execution_order"] = True
        out.append(
            Finding.of(
                issue.code,
                issue.message,
                location=Location(path=src.path, line=cell_line, column=column, cell=cell.index),
                evidence=evidence,
            )
        )
    return out


def _lint_parsed(src: SourceFile, config: LintConfig) -> list[Finding]:
    issues: list[Issue] = []
    failure: str | None = None
    if src.cells:
        try:
            issues = analyse(
                src.module, time_columns=config.time_columns, describe_line=src.describe_line
            )
        except RecursionError:
            failure = "the code is nested too deeply to analyse"
        except Exception as exc:  # the run must go on; the file is reported instead
            failure = f"{exc.__class__.__name__}: {exc}"
    found = _findings(src, issues, config)
    if (
        failure is not None
        and "MV002" in config.codes
        and not any("MV002".startswith(c) for c in config.ignored_for(src.path))
    ):
        found.append(_analysis_failed(src, failure))
    return found


def _analysis_failed(src: SourceFile, why: str) -> Finding:
    return Finding.of(
        "MV002",
        f"{Path(src.path).name} was only partly checked: the analysis stopped ({why}).",
        location=Location(path=src.path),
    )


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def lint_file(path: str | os.PathLike[str], config: LintConfig | None = None) -> list[Finding]:
    """Lint one ``.py`` or ``.ipynb`` file. Unreadable input becomes an MV001 finding."""
    config = config or LintConfig()
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{str(path)!r} is not a file; pass a .py or .ipynb file.")
    src = load_source(p, _display(p, config.root))
    return _lint_parsed(src, config)


def lint_source(
    text: str,
    path: str = "<string>",
    *,
    notebook: bool | None = None,
    config: LintConfig | None = None,
) -> list[Finding]:
    """Lint source text: a script, or a notebook's JSON when ``notebook`` (default: by suffix)."""
    if not isinstance(text, str):
        raise InputError(f"lint_source takes the source as str, got {type(text).__name__}.")
    is_nb = path.lower().endswith(".ipynb") if notebook is None else notebook
    return _lint_parsed(parse_text(text, path, notebook=is_nb), config or LintConfig())


# --- many files ------------------------------------------------------------------------------


@dataclass
class LintReport:
    """The findings of a run and what was looked at."""

    findings: list[Finding]
    files: int
    paths: list[str] = field(default_factory=list)
    """The linted files as they appear in findings (relative to the project root)."""


def _lint_chunk(args: tuple[list[str], LintConfig]) -> list[dict[str, Any]]:
    paths, config = args
    return [f.to_dict() for p in paths for f in lint_file(p, config)]


def _chunks(items: Sequence[Path], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield [str(p) for p in items[i : i + size]]


def lint_paths(
    paths: Iterable[str | os.PathLike[str]],
    config: LintConfig | None = None,
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> LintReport:
    """Lint every script and notebook under ``paths`` (see :func:`discover`).

    ``jobs`` processes share the work (default: the CPU count, one process for small
    runs); ``progress`` is called with the number of files finished after each batch.
    """
    _check_jobs(jobs)  # before walking folders
    config = config or load_config()
    return lint_files(discover(paths, config), config, jobs=jobs, progress=progress)


def _check_jobs(jobs: object) -> None:
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise InputError(f"jobs must be a positive int, got {jobs!r}.")


def lint_files(
    files: Sequence[Path],
    config: LintConfig,
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> LintReport:
    """Lint files already found by :func:`discover` (what :func:`lint_paths` does next)."""
    _check_jobs(jobs)
    workers = jobs or os.cpu_count() or 1
    findings: list[Finding] = []
    if workers == 1 or len(files) < 32:
        for path in files:
            findings.extend(lint_file(path, config))
            if progress:
                progress(1)
    else:
        size = max(8, min(64, len(files) // (workers * 4) or 1))
        chunks = list(_chunks(files, size))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for chunk, result in zip(
                chunks, pool.map(_lint_chunk, [(c, config) for c in chunks]), strict=True
            ):
                findings.extend(Finding.from_dict(d) for d in result)
                if progress:
                    progress(len(chunk))
    findings.sort(
        key=lambda f: (
            f.location.path or "",
            f.location.cell or 0,
            f.location.line or 0,
            f.location.column or 0,
            f.code,
        )
    )
    return LintReport(findings, len(files), [_display(p, config.root) for p in files])


# --- the ledger ------------------------------------------------------------------------------

LINT_FAMILIES = ("DL", "GE", "TC", "PE")


def record_lint(report: LintReport, paths: Sequence[str], *, ledger: Any = None) -> str:
    """Record a lint run and its findings in the ledger; return the run id.

    Open findings of earlier lint runs on the same files are marked ``superseded``, so
    the scorecard reflects the code as it is now, and the history stays in the audit log.
    """
    import json

    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import insert_run, open_ledger, write_findings

    if not isinstance(report, LintReport):
        raise InputError(
            f"record_lint needs a LintReport (from lint_paths), got {type(report).__name__}."
        )
    if isinstance(paths, str) or not all(isinstance(p, str) for p in paths):
        raise InputError(f"paths must be a list of path strings, got {paths!r}.")
    led = open_ledger(ledger)
    files = set(report.paths)
    with led.transaction() as tx:
        f = s.findings
        earlier = tx.conn.execute(
            select(f.c.id, f.c.location_json)
            .join(s.runs, s.runs.c.id == f.c.run_id)
            .where(s.runs.c.kind == "lint", f.c.status == "open")
        ).all()
        for fid, loc in earlier:
            if json.loads(loc).get("path") in files:
                tx.update(f, fid, {"status": "superseded"})
        run_id = insert_run(
            tx,
            kind="lint",
            name="mlvet lint",
            families=LINT_FAMILIES,
            params={"paths": list(paths), "files": report.files},
        )
        write_findings(tx, report.findings, run_id=run_id)
    return run_id
