"""Panels: records of many bodies and years joined, checked across years, and reviewed.

`xxgk panel RECORDS... -o OUT` reads records (JSONL files or sharded folders), applies an optional
review file, identifies each body by its normalised organisation name (identity), joins records
by body and year (build), runs the cross-year checks (checks) and writes tables and HTML pages
(build, html).  See docs/panel.md.
"""

from __future__ import annotations

from xxgk.panel.build import Panel, build_panel, write_panel

__all__ = ["Panel", "build_panel", "write_panel"]
