"""The panel as HTML: an index page and one page per body (Jinja2 templates shipped with the package).

A body page shows its reports, small multiples of the headline figures over the years (matplotlib,
Agg backend, embedded as PNG so a page is one self-contained file), the failed cross-year checks
with both reports' cells as evidence and a review line to copy, and every other check.
"""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

from xxgk.record import Record, figure_text, get_path
from xxgk.panel.build import HEADLINE, Panel, body_rows
from xxgk.panel.checks import CrossYearCheck
from xxgk.panel.review import decision_line

BODY_FOLDER = "bodies"
CHART_COLUMNS = 4
CHART_CELL_INCHES = (2.9, 2.0)
CHART_DPI = 80
FAIL_COLOUR = "#c62828"
LINE_COLOUR = "#1f5f99"
CONFLICT_COLOUR = "#e08a00"


def body_file(body: str) -> str:
    """A file name for a body page: ASCII, stable across runs (hash of the name)."""
    return f"body-{hashlib.sha1(body.encode('utf-8')).hexdigest()[:10]}.html"


def _label(path: str) -> str:
    """An ASCII chart title (no CJK font is needed): the path without its table."""
    root, _, rest = path.partition(".")
    return rest.replace(".", " · ") + (" (2019)" if path.endswith("total_public") else "")


def chart_series(panel: Panel, body: str) -> tuple[list[tuple[str, list]], list[str]]:
    """(figures to plot with their (year, value) points, figures that are 0 in every report): a figure
    always reported as 0 says so in a line instead of an empty chart."""
    by_year = panel.bodies[body]
    series, zeros = [], []
    for path in HEADLINE:
        pts = [(y, get_path(r, path)) for y in sorted(by_year) for r in by_year[y]]
        pts = [(y, v) for y, v in pts if isinstance(v, (int, float))]
        if pts and all(v == 0 for _, v in pts):
            zeros.append(path)
        elif pts:
            series.append((path, pts))
    return series, zeros


def chart_png(panel: Panel, body: str, checks: list[CrossYearCheck]) -> str | None:
    """Small multiples of the headline figures over the years, as a data: URI (None with nothing to plot)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    by_year = panel.bodies[body]
    years = sorted(by_year)
    failed = {cell for c in checks if c.status == "FAIL" for cell in c.cells}
    series, _ = chart_series(panel, body)
    if not series:
        return None
    ncols = min(CHART_COLUMNS, len(series))
    nrows = (len(series) + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(CHART_CELL_INCHES[0] * ncols, CHART_CELL_INCHES[1] * nrows),
                             squeeze=False)
    lo, hi = years[0], years[-1]
    for ax in axes.flat[len(series):]:
        ax.axis("off")
    for ax, (path, pts) in zip(axes.flat, series):
        # a line joins consecutive years only; a missing year leaves a gap
        single = {y: v for y, v in pts if len(by_year[y]) == 1}
        run: list[tuple[int, float]] = []
        for y in range(lo, hi + 2):
            if y in single:
                run.append((y, single[y]))
                continue
            if len(run) > 1:
                ax.plot([p[0] for p in run], [p[1] for p in run], color=LINE_COLOUR, lw=1.4)
            run = []
        ax.scatter(list(single), list(single.values()), color=LINE_COLOUR, s=16, zorder=3)
        clash = [(y, v) for y, v in pts if len(by_year[y]) > 1]
        if clash:
            ax.scatter([p[0] for p in clash], [p[1] for p in clash], color=CONFLICT_COLOUR, marker="D", s=22,
                       zorder=4, label="conflict")
        bad = [(y, v) for y, v in pts if f"{y}:{path}" in failed]
        if bad:
            ax.scatter([p[0] for p in bad], [p[1] for p in bad], facecolors="none", edgecolors=FAIL_COLOUR,
                       s=90, linewidths=1.6, zorder=5)
        ax.set_title(_label(path), fontsize=8)
        ax.set_xlim(lo - 0.5, hi + 0.5)
        ax.set_xticks(range(lo, hi + 1, max(1, (hi - lo + 1) // 6)))
        ax.tick_params(labelsize=7)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        top = max(v for _, v in pts)
        ax.set_ylim(bottom=min(0, min(v for _, v in pts)), top=top * 1.15 + 1)
        ax.grid(alpha=0.3, lw=0.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=CHART_DPI)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("xxgk.panel", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v: "—" if v is None else figure_text(v)
    return env


def _report(panel: Panel, r: Record) -> dict:
    p = r.producer
    return {"year": r.meta.year, "doc_id": r.doc_id, "source": r.source, "format": r.format, "status": r.status,
            "title": r.meta.title, "organization": r.meta.organization, "conflict": panel.in_conflict(r),
            "failed_checks": r.failed_checks,
            "producer": (f"xxgk {p.xxgk} · {p.system}" + (f" · {p.tagger}" if p.tagger else "")) if p else "unknown",
            "reviewed": sorted(k for k, v in r.provenance.items() if v.method == "reviewed"),
            "unsplit": [{"digits": u.digits, "paths": u.paths} for u in r.unsplit]}


def _counts(checks: list[CrossYearCheck]) -> dict:
    out = {s: sum(1 for c in checks if c.status == s) for s in ("PASS", "FAIL", "NOT_ASSESSABLE")}
    out["unreviewed"] = sum(1 for c in checks if c.status == "FAIL" and c.review is None)
    return out


def write_html(panel: Panel, out: Path) -> dict[str, Path]:
    env = _env()
    folder = out / BODY_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    checks_of: dict[str, list[CrossYearCheck]] = {}
    for c in panel.checks:
        checks_of.setdefault(c.body, []).append(c)
    index_rows = []
    body_tpl = env.get_template("body.html")
    for row in body_rows(panel):
        body = row["body"]
        checks = checks_of.get(body, [])
        by_year = panel.bodies[body]
        years = sorted(by_year)
        reports = [_report(panel, r) for y in years for r in sorted(by_year[y], key=lambda r: r.source)]
        figures = [{"path": p, "values": [[get_path(r, p) for r in by_year[y]] for y in years]} for p in HEADLINE]
        figures = [f for f in figures if any(v is not None for vs in f["values"] for v in vs)]
        failed = [c for c in checks if c.status == "FAIL"]
        page = body_tpl.render(
            body=body, row=row, years=years, reports=reports, figures=figures, chart=chart_png(panel, body, checks),
            zeros=chart_series(panel, body)[1],
            failed=[{"c": c, "line": decision_line(_later_document(c), c.rule)} for c in failed],
            checks=sorted(checks, key=lambda c: (c.year, c.rule)), counts=_counts(checks),
            conflicts=[c.to_dict() for c in panel.conflicts if c.body == body])
        name = body_file(body)
        (folder / name).write_text(page, encoding="utf-8")
        files[f"{BODY_FOLDER}/{name}"] = folder / name
        index_rows.append({**row, "file": f"{BODY_FOLDER}/{name}", "counts": _counts(checks),
                           "conflicts": sum(1 for c in panel.conflicts if c.body == body)})
    index = env.get_template("index.html").render(summary=panel.summary(), bodies=index_rows, notes=panel.notes,
                                                  conflicts=[c.to_dict() for c in panel.conflicts])
    (out / "index.html").write_text(index, encoding="utf-8")
    files["index.html"] = out / "index.html"
    return files


def _later_document(c: CrossYearCheck) -> str:
    later = [e for e in c.evidence if e.year == c.year]
    return (later[0].source or later[0].doc_id or "") if later else ""
