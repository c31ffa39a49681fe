"""Charts as inline SVG (matplotlib, Agg): the report is one file that opens anywhere, with no scripts."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# A fixed hash salt and no date make the SVG a function of the chart alone: the public report must be byte-identical
# for identical public inputs (a random clip-path id or a timestamp would be noise in a neighbouring-dataset check).
plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "cthub", "font.size": 9, "axes.spines.top": False,
                     "axes.spines.right": False})
REAL, OUT, OTHER = "#4c72b0", "#dd8452", "#55a868"


def to_svg(fig: Any) -> str:
    buf = io.StringIO()
    # fixed margins: "tight" bounding boxes would draw every figure twice; no date, so the bytes are reproducible
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML declaration and DOCTYPE for inlining


def _fig(w: float, h: float, left: float = 0.14, bottom: float = 0.2) -> tuple[Any, Any]:
    fig, ax = plt.subplots(figsize=(w, h))
    fig.subplots_adjust(left=left, right=0.97, top=0.93, bottom=bottom)
    return fig, ax


def error_by_length(series: dict[str, dict[str, float | None]]) -> str:
    """series: output name -> {length: mean abs error}."""
    fig, ax = _fig(5, 2.8)
    names = list(series)
    lengths = sorted({int(x) for s in series.values() for x in s})
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        vals = [series[name].get(str(L)) or 0 for L in lengths]
        ax.bar(np.arange(len(lengths)) + i * width, vals, width, label=name, color=[OUT, OTHER, REAL][i % 3])
    ax.set_xticks(np.arange(len(lengths)) + width * (len(names) - 1) / 2, [str(L) for L in lengths])
    ax.set_xlabel("combination length (number of attributes)")
    ax.set_ylabel("mean absolute error (records)")
    ax.legend(frameon=False)
    return to_svg(fig)


def error_by_bucket(buckets: list[dict[str, Any]]) -> str:
    fig, ax = _fig(5, 2.8, bottom=0.3)
    labels = [b["bucket"] for b in buckets]
    vals = [b["mean_abs_error"] or 0 for b in buckets]
    ax.bar(labels, vals, color=OUT)
    ax.set_xlabel("count of the combination in the real data")
    ax.set_ylabel("mean absolute error (records)")
    ax.tick_params(axis="x", rotation=20)
    return to_svg(fig)


def one_way_bars(column: str, df: Any) -> str:
    """Share of each category, real vs synthetic (aggregate labels only)."""
    h = 0.9 + 0.24 * len(df)
    fig, ax = plt.subplots(figsize=(4.6, h))
    fig.subplots_adjust(left=0.38, right=0.97, top=1 - 0.35 / h, bottom=0.45 / h)
    y = np.arange(len(df))
    ax.barh(y - 0.2, df["real"], 0.4, label="real", color=REAL)
    ax.barh(y + 0.2, df["output"], 0.4, label="synthetic", color=OUT)
    ax.set_yticks(y, [str(v)[:28] for v in df["label"]])
    ax.invert_yaxis()
    ax.set_title(column, loc="left", fontsize=10)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(frameon=False, fontsize=7, loc="lower right")
    return to_svg(fig)


def heatmaps(columns: list[str], real: np.ndarray, output: np.ndarray) -> str:
    n = len(columns)
    size = min(3.2 + 0.22 * n, 7)
    fig, axes = plt.subplots(1, 2, figsize=(2 * size + 1.6, size + 1.4))
    fig.subplots_adjust(left=0.16, right=0.88, top=0.93, bottom=0.3, wspace=0.08)
    for ax, mat, title in ((axes[0], real, "real"), (axes[1], output, "synthetic")):
        im = ax.imshow(mat, vmin=0, vmax=1, cmap="Blues")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(n), columns, rotation=90, fontsize=7)
        ax.set_yticks(range(n), columns if ax is axes[0] else [""] * n, fontsize=7)
    fig.colorbar(im, cax=fig.add_axes((0.9, 0.3, 0.015, 0.63)), label="Cramér's V")
    return to_svg(fig)


def predictive_bars(targets: list[dict[str, Any]]) -> str:
    rows = [t for t in targets if t["train_real"] and t["train_output"]]
    h = 1.2 + 0.5 * max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(5, h))
    fig.subplots_adjust(left=0.3, right=0.97, top=1 - 0.2 / h, bottom=0.55 / h)
    y = np.arange(len(rows))
    ax.barh(y - 0.2, [t["train_real"]["macro_f1"] for t in rows], 0.4, label="trained on real", color=REAL)
    ax.barh(y + 0.2, [t["train_output"]["macro_f1"] for t in rows], 0.4, label="trained on synthetic", color=OUT)
    ax.set_yticks(y, [t["target"] for t in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("macro-F1 on held-out real records")
    ax.legend(frameon=False, fontsize=7, loc="lower right")
    return to_svg(fig)


def distance_hist(syn: list[float], real: list[float]) -> str:
    fig, ax = _fig(5, 2.8)
    x = np.arange(max(len(syn), len(real)))
    if syn:
        ax.bar(x[: len(syn)] - 0.2, syn, 0.4, label="synthetic row to closest real record", color=OUT)
    if real:
        ax.bar(x[: len(real)] + 0.2, real, 0.4, label="real record to closest other real record", color=REAL)
    ax.set_xlabel("number of attributes that differ (0 = identical)")
    ax.set_ylabel("share of rows")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(frameon=False, fontsize=7)
    return to_svg(fig)


def class_sizes(hist: list[dict[str, Any]], k: int) -> str:
    fig, ax = _fig(5, 2.8)
    labels = [f"{h['from']}–{h['to']}" if h["to"] is not None else f"{h['from']}+" for h in hist]
    colors = ["#c44e52" if (h["to"] is not None and h["to"] < k) else REAL for h in hist]
    ax.bar(labels, [h["classes"] for h in hist], color=colors)
    ax.set_xlabel("records sharing the same quasi-identifier values (class size)")
    ax.set_ylabel("classes")
    return to_svg(fig)


def share_bars(column: str, df: Any, left: str = "published aggregates", right: str = "synthetic") -> str:
    """Share of each category in two public outputs (df: label, left, right), e.g. DP aggregates vs synthetic rows.

    Drawn as plain SVG rectangles rather than with matplotlib: a release has one chart per column (dozens), and
    this takes microseconds instead of a third of a second each. Labels are escaped; the output is deterministic.
    """
    from html import escape

    label_w, bar_w, row_h, top = 150, 190, 22, 24
    rows = list(zip(df["label"], df["left"], df["right"]))
    vmax = max([float(x) for _, a, b in rows for x in (a, b)] + [1e-9])
    height = top + row_h * len(rows) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 90}" height="{height}" '
        f'viewBox="0 0 {label_w + bar_w + 90} {height}" font-family="sans-serif" font-size="11" role="img">',
        f"<title>{escape(column)}: share of each value, {escape(left)} vs {escape(right)}</title>",
        f'<text x="0" y="14" font-size="13" font-weight="600">{escape(column)}</text>',
    ]
    for i, (label, a, b) in enumerate(rows):
        y = top + i * row_h
        wa, wb = bar_w * float(a) / vmax, bar_w * float(b) / vmax
        parts += [
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(str(label)[:24])}</text>',
            f'<rect x="{label_w}" y="{y + 2}" width="{wa:.1f}" height="8" fill="{REAL}"/>',
            f'<rect x="{label_w}" y="{y + 11}" width="{wb:.1f}" height="8" fill="{OUT}"/>',
            f'<text x="{label_w + max(wa, wb) + 4:.1f}" y="{y + 14}" fill="#5b6575">'
            f"{100 * float(a):.1f}% / {100 * float(b):.1f}%</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


def half_widths(rows: list[tuple[str, float]]) -> str:
    """95% half-width of the noise on one published count, per measurement (label, half-width in records)."""
    h = 1.0 + 0.3 * max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(6, h))
    fig.subplots_adjust(left=0.42, right=0.97, top=1 - 0.2 / h, bottom=0.55 / h)
    y = np.arange(len(rows))
    ax.barh(y, [v for _, v in rows], 0.6, color=OUT)
    ax.set_yticks(y, [label[:48] for label, _ in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("95% half-width of the noise on one count (records)")
    return to_svg(fig)
