"""One way to ask git about the code that produced something (None when git cannot say)."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["git"]


def git(args: list[str], cwd: Path) -> str | None:
    """``git ARGS`` run in ``cwd``; its output, or None outside a repository or without git."""
    try:
        out = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()
