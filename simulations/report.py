"""Charts (PNG and SVG) and a self-contained HTML report comparing scenarios side by side.

The HTML embeds its charts as data URIs and has no script or external link, so it can be
mailed or archived as one file. Every figure traces back to result.json: the scenario id,
code version, draw method and the source (or "assumption") of every behavioural figure.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from simulations.behaviour import (
    CASE_SHARES,
    DEFAULTS,
    NATIONAL_NONCONFORMING,
    RANDOM_DRAW_HIT_RATE,
)
from simulations.metrics import BY_KEY, METRICS
from simulations.scenario_file import BASELINE

# The metrics drawn as charts (the others are in the tables).
CHARTED = (
    "inspections",
    "violations_found",
    "hit_rate",
    "burden_A",
    "burden_D",
    "officer_utilisation",
    "unscheduled",
    "share_violating_inspected",
    "time_to_detection_days",
)
_CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC")


def _label(key: str, lang: str) -> str:
    metric = BY_KEY[key]
    return metric.en if lang == "en" else metric.zh


def _chart_lang(lang: str) -> tuple[str, list[str]]:
    """Chinese chart labels need a CJK font; without one, charts fall back to English. English
    charts keep the CJK fonts as a fallback too: scenario names are often Chinese."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [f for f in _CJK_FONTS if f in names]
    if lang == "zh" and cjk:
        return "zh", [*cjk, "DejaVu Sans"]
    return "en", ["DejaVu Sans", *cjk]


def _variants(result: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(BASELINE, result["baseline"]["metrics"])] + [
        (name, block["metrics"]) for name, block in result["scenarios"].items()
    ]


# One panel: title, bar labels, values, lower and upper error lengths, colours.
_Panel = tuple[str, list[str], list[float], list[float], list[float], list[str]]


def _bars(
    entries: list[tuple[str, dict[str, Any] | None]], mean: str, ci: str
) -> tuple[list[str], list[float], list[float], list[float]]:
    names, values, lows, highs = [], [], [], []
    for name, m in entries:
        value = (m or {}).get(mean)
        interval = (m or {}).get(ci)
        v = float(value) if value is not None else 0.0
        names.append(name)
        values.append(v)
        lows.append(v - interval[0] if interval else 0.0)
        highs.append(interval[1] - v if interval else 0.0)
    return names, values, lows, highs


def _draw(panels: list[_Panel], base: Path, fonts: list[str], zero_line: bool) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 3
    rows = max(1, (len(panels) + cols - 1) // cols)
    with matplotlib.rc_context({"font.family": fonts, "axes.unicode_minus": False}):
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
        for ax, (title, names, values, lows, highs, colours) in zip(
            axes.ravel(), panels, strict=False
        ):
            ax.barh(names, values, xerr=[lows, highs], color=colours, capsize=3)
            if zero_line:
                ax.axvline(0.0, color="#333333", linewidth=0.8)
            ax.invert_yaxis()
            ax.set_title(title, fontsize=9)
            ax.tick_params(labelsize=8)
        for ax in axes.ravel()[len(panels) :]:
            ax.axis("off")
        fig.tight_layout()
        base.parent.mkdir(parents=True, exist_ok=True)
        png, svg = base.with_suffix(".png"), base.with_suffix(".svg")
        fig.savefig(png, dpi=110)
        fig.savefig(svg)
        plt.close(fig)
    return [png, svg]


def render_charts(result: dict[str, Any], base: Path, lang: str = "zh") -> list[Path]:
    """Small multiples per metric: each variant's mean with its 95% interval (`base`.png/.svg)
    and, when there are scenarios, each scenario's paired change from the baseline with its
    interval (`base`-change.png/.svg)."""
    chart_lang, fonts = _chart_lang(lang)
    variants = _variants(result)
    levels: list[_Panel] = []
    changes: list[_Panel] = []
    for key in CHARTED:
        title = _label(key, chart_lang)
        names, values, lows, highs = _bars([(n, m.get(key)) for n, m in variants], "mean", "ci95")
        levels.append(
            (title, names, values, lows, highs, ["#555555"] + ["#1f77b4"] * (len(names) - 1))
        )
        names, values, lows, highs = _bars(
            [(n, m.get(key)) for n, m in variants[1:]], "change", "change_ci95"
        )
        colours = ["#b35900" if v > 0 else "#1f6fb3" for v in values]
        changes.append((f"Δ {title}", names, values, lows, highs, colours))
    paths = _draw(levels, base, fonts, zero_line=False)
    if len(variants) > 1:
        paths += _draw(changes, base.with_name(base.name + "-change"), fonts, zero_line=True)
    return paths


def format_figure(value: float | None) -> str:
    """Numbers as reports and pages print them: thousands grouped, small rates to four places,
    and a tiny change still shown as a change (never "0.0000")."""
    if value is None:
        return "—"
    if value != 0 and abs(value) < 0.0001:
        return f"{value:.1e}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.4f}"


def format_interval(ci: list[float] | None) -> str:
    return f"[{format_figure(ci[0])}, {format_figure(ci[1])}]" if ci else ""


_TEXT = {
    "title": ("模拟结果对比", "Simulation comparison"),
    "metric": ("指标", "Metric"),
    "id": ("情景编号", "Scenario id"),
    "code": ("代码版本", "Code version"),
    "draw": ("抽取方法", "Draw"),
    "reps": ("重复次数 / 期数（季度）", "Replications / periods (quarters)"),
    "change": ("相对基准的变化 [95% 置信区间]", "change vs baseline [95% interval]"),
    "params": ("行为参数与来源", "Behaviour figures and their sources"),
    "name": ("参数", "Figure"),
    "value": ("取值", "Value"),
    "source": ("来源", "Source"),
    "assumed": ("假设", "assumption"),
    "cited": ("有出处", "cited"),
    "calibration": ("校准目标", "Calibration targets"),
    "note": (
        "每行：均值 [95% 置信区间]；情景列另给出与基准的配对差值。基准与各情景在每次重复中使用相同随机数，"
        "因此与基准相同的情景差值恰为 0。",
        "Each cell: mean [95% interval]; scenario columns add the paired change vs the baseline. "
        "Baseline and scenarios share random numbers per replication, so a scenario equal to "
        "the baseline changes by exactly 0.",
    ),
}


def _t(key: str, lang: str) -> str:
    zh, en = _TEXT[key]
    return en if lang == "en" else zh


def _overrides_text(overrides: dict[str, Any] | None) -> str:
    import json

    return json.dumps(overrides, ensure_ascii=False, sort_keys=True) if overrides else ""


def _png_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_html(result: dict[str, Any], charts: list[Path], lang: str = "zh") -> str:
    esc = html.escape
    variants = _variants(result)
    blocks = [result["baseline"], *result["scenarios"].values()]
    head = "".join(
        f"<th>{esc(name)}<br><small>{esc(_overrides_text(block.get('overrides')))}</small></th>"
        for (name, _), block in zip(variants, blocks, strict=True)
    )
    rows = []
    for metric in METRICS:
        key = metric.key
        cells = []
        for name, metrics in variants:
            m = metrics.get(key) or {}
            text = f"{format_figure(m.get('mean'))} <small>{format_interval(m.get('ci95'))}</small>"
            if name != BASELINE:
                change = m.get("change")
                cls = "up" if (change or 0) > 0 else "down" if (change or 0) < 0 else "same"
                sign = "+" if (change or 0) > 0 else ""
                text += (
                    f'<br><span class="{cls}">Δ {sign}{format_figure(change)}</span> '
                    f"<small>{format_interval(m.get('change_ci95'))}</small>"
                )
            cells.append(f"<td>{text}</td>")
        rows.append(f"<tr><th>{esc(_label(key, lang))}</th>{''.join(cells)}</tr>")
    params = []
    for name, cited in {**DEFAULTS, **CASE_SHARES}.items():
        kind = _t("assumed", lang) if cited.assumption else _t("cited", lang)
        params.append(
            f"<tr><td>{esc(name)}</td><td>{cited.value:g}</td><td>{esc(kind)}</td>"
            f"<td>{esc(cited.source)}</td></tr>"
        )
    calibration = "".join(
        f"<li>{c.value:.1%}: {esc(c.source)}</li>"
        for c in (RANDOM_DRAW_HIT_RATE, NATIONAL_NONCONFORMING)
    )
    settings = result.get("settings", {})
    notes = "".join(
        f'<p class="warn">⚠ {esc(n["en"] if lang == "en" else n["zh"])}</p>'
        for n in result.get("notes", [])
    )
    image = "".join(f'<p><img alt="{esc(c.stem)}" src="{_png_uri(c)}"></p>' for c in charts)
    return f"""<!doctype html>
<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">
<title>{esc(_t("title", lang))}: {esc(result["name"])}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 14px; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; vertical-align: top; }}
th:first-child, td:first-child {{ text-align: left; }}
small {{ color: #666; }} .up {{ color: #b35900; }} .down {{ color: #1f6fb3; }} .same {{ color: #666; }}
img {{ max-width: 100%; }} .warn {{ color: #b35900; }} dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }}
</style></head><body>
<h1>{esc(_t("title", lang))}: {esc(result["name"])}</h1>
<dl>
<dt>{esc(_t("id", lang))}</dt><dd><code>{esc(result["scenario_id"])}</code></dd>
<dt>{esc(_t("code", lang))}</dt><dd>{esc(str(settings.get("code_version", "")))}</dd>
<dt>{esc(_t("draw", lang))}</dt><dd>{esc(str(settings.get("draw", "")))}</dd>
<dt>{esc(_t("reps", lang))}</dt>
<dd>{settings.get("replications", "")} / {settings.get("periods", "")}</dd>
</dl>
<p>{esc(_t("note", lang))}</p>
{notes}
<table><thead><tr><th>{esc(_t("metric", lang))}</th>{head}</tr></thead>
<tbody>{"".join(rows)}</tbody></table>
{image}
<h2>{esc(_t("calibration", lang))}</h2><ul>{calibration}</ul>
<h2>{esc(_t("params", lang))}</h2>
<table><thead><tr><th>{esc(_t("name", lang))}</th><th>{esc(_t("value", lang))}</th><th></th>
<th>{esc(_t("source", lang))}</th></tr></thead><tbody>{"".join(params)}</tbody></table>
</body></html>
"""


def write_report(result: dict[str, Any], result_path: Path, lang: str = "zh") -> list[Path]:
    """Next to `result_path` (e.g. out/result.json): result.png/.svg, result-change.png/.svg
    (with scenarios) and the self-contained result.html. Returns the paths, HTML last."""
    base = result_path.with_suffix("")
    charts = render_charts(result, base, lang)
    page = base.with_suffix(".html")
    pngs = [c for c in charts if c.suffix == ".png"]
    page.write_text(render_html(result, pngs, lang), encoding="utf-8")
    return [*charts, page]
