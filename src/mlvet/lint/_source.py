"""Reading scripts and notebooks into one parsed module with a map back to cells and lines.

A notebook's code cells are parsed one by one (a cell that does not parse is reported and
skipped; the others are still checked), IPython magics and shell escapes are neutralised
line for line so that line numbers stay put, and when the execution counts show the cells
ran out of file order the cells are analysed in the order they ran.
"""

from __future__ import annotations

import ast
import io
import itertools
import json
import re
import tokenize
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

__all__ = ["Cell", "ParseProblem", "SourceFile", "load_source", "parse_text"]

MAX_BYTES = 20_000_000
"""Files larger than this are reported, not read (a 20 MB script is generated, not written)."""


@dataclass(frozen=True)
class ParseProblem:
    """Why a file or one cell could not be read."""

    message: str
    cell: int | None = None
    line: int | None = None
    column: int | None = None


@dataclass
class Cell:
    """One unit of code: a whole script, or one notebook code cell."""

    index: int | None
    """1-based position among all the notebook's cells (markdown included); None for a script."""
    source: str
    code: str
    execution_count: int | None = None

    @cached_property
    def lines(self) -> list[str]:
        return self.source.splitlines()


@dataclass
class SourceFile:
    """A parsed file: one module whose line ``n`` maps back to ``line_map[n - 1]``."""

    path: str
    is_notebook: bool
    cells: list[Cell] = field(default_factory=list)
    module: ast.Module = field(default_factory=lambda: ast.Module(body=[], type_ignores=[]))
    line_map: list[tuple[int, int]] = field(default_factory=list)
    """For each line of the merged module: (index into ``cells``, 1-based line in that cell)."""
    problems: list[ParseProblem] = field(default_factory=list)
    reordered: bool = False
    """True when notebook cells were analysed in execution order rather than file order."""

    def locate(self, line: int) -> tuple[Cell, int]:
        """The cell and the line within it for a line of the merged module."""
        if not self.line_map:
            return Cell(None, "", ""), line
        i = min(max(line, 1), len(self.line_map)) - 1
        cell_pos, cell_line = self.line_map[i]
        return self.cells[cell_pos], cell_line

    def describe_line(self, line: int) -> str:
        """``line 12`` for a script, ``cell 4, line 2`` for a notebook."""
        cell, cell_line = self.locate(line)
        return (
            f"cell {cell.index}, line {cell_line}"
            if cell.index is not None
            else f"line {cell_line}"
        )

    def source_line(self, line: int) -> str:
        cell, cell_line = self.locate(line)
        lines = cell.lines
        return lines[cell_line - 1] if 0 < cell_line <= len(lines) else ""


# --- IPython syntax ---------------------------------------------------------------------

_KEEP_BODY_CELL_MAGICS = {"time", "timeit", "capture", "prun", "memit", "debug", "px"}
_TIMING_LINE_MAGIC = re.compile(r"^(\s*)%(time|timeit|prun|memit|debug)\b(\s+-\S+(\s+\S+)?)*\s+")
_ASSIGNED_ESCAPE = re.compile(r"^(\s*)([A-Za-z_][\w.,\s\[\]()]*?)\s*=\s*[!%]")
_HELP = re.compile(r"^\s*[?]*[\w.]+\?{1,2}\s*$|^\s*\?")


def neutralise_ipython(source: str) -> str:
    """Replace magics and shell escapes with Python of the same line count.

    ``%time fit(X)`` keeps ``fit(X)``; ``!pip install x`` and other magics become ``pass``;
    ``files = !ls`` becomes ``files = None``; a ``%%bash``-style cell becomes blank lines.
    """
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)
        name = magic[0] if magic else ""
        if name not in _KEEP_BODY_CELL_MAGICS:
            return "\n".join("" for _ in lines)
        lines[0] = ""
    out: list[str] = []
    previous = ""
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if not stripped:
            out.append(line)
            continue
        if stripped[0] in "%!?" and not previous.rstrip().endswith(":"):
            # an escape may not open a new block: keep the enclosing indentation
            indent = previous[: len(previous) - len(previous.lstrip())]
        previous = line if not stripped.startswith("#") else previous
        timing = _TIMING_LINE_MAGIC.match(line)
        if timing and line[timing.end() :].strip():
            out.append(indent + line[timing.end() :])
        elif stripped[0] in "%!" or (_HELP.match(line) and not stripped.startswith("#")):
            out.append(indent + "pass")
        else:
            assigned = _ASSIGNED_ESCAPE.match(line)
            if assigned and not re.match(r"^\s*[\w.\[\]]+\s*==", line):
                out.append(f"{assigned.group(1)}{assigned.group(2).strip()} = None")
            else:
                out.append(line)
    return "\n".join(out)


# --- reading ----------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:8192]:
        raise ValueError("it is a binary file (it contains NUL bytes), not source code")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        if "encoding problem" in str(exc) or "unknown encoding" in str(exc):
            raise ValueError(f"its encoding declaration is invalid ({exc})") from None
        raise ValueError("it is not valid utf-8 text and declares no other encoding") from None
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ValueError(f"it is not valid {encoding} text ({exc.__class__.__name__})") from None


def _syntax_message(exc: SyntaxError) -> str:
    msg = exc.msg or "invalid syntax"
    if (
        "Missing parentheses in call to 'print'" in msg
        or "Missing parentheses in call to 'exec'" in msg
    ):
        return f"it looks like Python 2 code ({msg}); mlvet checks Python 3"
    return f"syntax error: {msg}"


def _parse_cell(code: str, offset: int = 0) -> ast.Module | ParseProblem:
    """Parse a cell as if it began on line ``offset + 1`` (blank lines are cheaper than
    renumbering the tree afterwards)."""
    try:
        return ast.parse("\n" * offset + code)
    except SyntaxError as exc:
        line = exc.lineno - offset if exc.lineno is not None else None
        return ParseProblem(_syntax_message(exc), line=line, column=exc.offset)
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return ParseProblem(f"it could not be parsed ({exc.__class__.__name__}: {exc})")


def _cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    raise ValueError("a cell's source is neither a string nor a list of strings")


def _notebook_cells(text: str) -> tuple[list[Cell], list[ParseProblem]]:
    try:
        nb = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"the notebook is not valid JSON ({exc})") from None
    if not isinstance(nb, dict):
        raise ValueError("the notebook's JSON is not an object with a 'cells' list")
    major = nb.get("nbformat")
    if isinstance(major, int) and major < 4:
        import nbformat

        try:
            nb = json.loads(nbformat.writes(nbformat.reads(text, as_version=4)))  # type: ignore[no-untyped-call]
        except Exception as exc:  # nbformat raises many types on malformed old notebooks
            raise ValueError(
                f"the nbformat {major} notebook could not be converted ({exc})"
            ) from None
    raw_cells = nb.get("cells")
    if not isinstance(raw_cells, list):
        raise ValueError("the notebook has no 'cells' list (is it nbformat 4?)")
    language = (
        nb.get("metadata", {}).get("kernelspec", {}).get("language")
        if isinstance(nb.get("metadata"), dict)
        and isinstance(nb["metadata"].get("kernelspec"), dict)
        else None
    )
    if isinstance(language, str) and language.lower() not in {"python", "python3", ""}:
        raise ValueError(f"the notebook's kernel language is {language!r}, not Python")
    cells: list[Cell] = []
    problems: list[ParseProblem] = []
    for i, raw in enumerate(raw_cells, start=1):
        if not isinstance(raw, dict):
            problems.append(ParseProblem("the cell is not a JSON object", cell=i))
            continue
        if raw.get("cell_type") != "code":
            continue
        try:
            source = _cell_text(raw.get("source", ""))
        except ValueError as exc:
            problems.append(ParseProblem(str(exc), cell=i))
            continue
        count = raw.get("execution_count")
        cells.append(
            Cell(i, source, neutralise_ipython(source), count if isinstance(count, int) else None)
        )
    return cells, problems


def _execution_order(cells: list[Cell]) -> tuple[list[Cell], bool]:
    counts = [c.execution_count for c in cells if c.execution_count is not None]
    if len(counts) < 2 or all(a < b for a, b in itertools.pairwise(counts)):
        return cells, False
    ran = sorted(
        (c for c in cells if c.execution_count is not None), key=lambda c: c.execution_count or 0
    )
    never = [c for c in cells if c.execution_count is None]
    return ran + never, True


def parse_text(text: str, path: str, *, notebook: bool) -> SourceFile:
    """Parse source text (a script, or a notebook's JSON) into a :class:`SourceFile`."""
    src = SourceFile(path=path, is_notebook=notebook)
    if notebook:
        try:
            cells, problems = _notebook_cells(text)
        except ValueError as exc:
            src.problems.append(ParseProblem(str(exc)))
            return src
        src.problems.extend(problems)
        cells, src.reordered = _execution_order(cells)
    else:
        cells = [Cell(None, text, text)]
    body: list[ast.stmt] = []
    offset = 0
    for cell in cells:
        tree = _parse_cell(cell.code, offset)
        if isinstance(tree, ParseProblem):
            src.problems.append(
                ParseProblem(tree.message, cell=cell.index, line=tree.line, column=tree.column)
            )
            continue
        n_lines = cell.code.count("\n") + 1
        pos = len(src.cells)
        src.cells.append(cell)
        body.extend(tree.body)
        src.line_map.extend((pos, k) for k in range(1, n_lines + 1))
        offset += n_lines
    src.module = ast.Module(body=body, type_ignores=[])
    return src


def load_source(path: Path, display: str | None = None) -> SourceFile:
    """Read and parse one ``.py`` or ``.ipynb`` file; problems are recorded, never raised."""
    name = display or str(path)
    notebook = path.suffix.lower() == ".ipynb"
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(
                f"it is {size / 1e6:.0f} MB, over the {MAX_BYTES // 1_000_000} MB limit"
            )
        text = _decode(path.read_bytes())
    except (OSError, ValueError) as exc:
        src = SourceFile(path=name, is_notebook=notebook)
        src.problems.append(ParseProblem(f"the file could not be read: {exc}"))
        return src
    return parse_text(text, name, notebook=notebook)
