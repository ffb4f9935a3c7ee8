"""Renderers for findings: text (ruff-like), JSON and SARIF 2.1.0."""

from __future__ import annotations

from mlvet.report._render import (
    FORMATS,
    JsonRenderer,
    Renderer,
    SarifRenderer,
    TextRenderer,
    get_renderer,
    render,
)

__all__ = [
    "FORMATS",
    "JsonRenderer",
    "Renderer",
    "SarifRenderer",
    "TextRenderer",
    "get_renderer",
    "render",
]
