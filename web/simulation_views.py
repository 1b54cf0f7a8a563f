"""The simulations area for policy planners: scenarios, background runs, comparisons.

Planners define a scenario (form or scenario.yaml upload), run it as a background job and
read baseline and scenarios side by side; administrators may look but not run. Runs are
kept in the simulations cache under their scenario id (simulations.run_cache), and who ran
what, when, is in the audit log.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from jianguan import audit
from jianguan.models import AuditEvent
from simulations.metrics import METRICS
from simulations.report import CHARTED
from simulations.run_cache import (
    CachedRun,
    is_scenario_id,
    list_runs,
    load_run,
    report_html,
    run_scenario_file,
    scenario_yaml,
)
from simulations.scenario_file import BASELINE, ScenarioFile, ScenarioFileError, parse_scenario
from simulations.scenario_id import scenario_id
from web.access import allow
from web.app import store_of
from web.db_session import db
from web.i18n import short_language
from web.scenario_form import (
    SCENARIO_ROWS,
    TIERS,
    FormProblem,
    ScenarioFormError,
    blank_form,
    check_districts,
    scenario_from_form,
    variant_prefixes,
)
from web.simulation_jobs import (
    MAX_ENTERPRISES,
    MAX_SECONDS,
    SimulationBusyError,
    SimulationJob,
    SimulationTooLargeError,
    check_size,
    new_job,
    reproduce_work,
    run_work,
    simulation_jobs,
)

simulations_area = Blueprint("simulations_area", __name__, url_prefix="/simulations")

RUNNERS = ("planner",)
VIEWERS = ("planner", "admin")
MAX_UPLOAD_BYTES = 256 * 1024  # a scenario file is a page of YAML
_RUN_ACTIONS = ("simulation.run", "simulation.reproduce", "simulation.run_failed")


def _fmt(value: float | None) -> str:
    """Numbers as the report prints them: thousands grouped, small rates to four places."""
    if value is None:
        return "—"
    if value != 0 and abs(value) < 0.0001:
        return f"{value:.1e}"  # a tiny change is still a change: not "0.0000"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.4f}"


def _interval(ci: list[float] | None) -> str:
    return f"[{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else ""


def _last_runs_by(sids: list[str]) -> dict[str, AuditEvent]:
    """The newest run event of each scenario id (who ran it, when)."""
    if not sids:
        return {}
    events = db().scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "simulation",
            AuditEvent.object_id.in_(sids),
            AuditEvent.action.in_(_RUN_ACTIONS),
        )
        .order_by(AuditEvent.id)
    )
    return {e.object_id: e for e in events}


def _index_page(
    form: dict[str, str] | None = None,
    problems: list[FormProblem] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    runs: list[CachedRun] = list_runs()
    problems = problems or []
    return (
        render_template(
            "simulations_index.html",
            form=form or blank_form(),
            prefixes=variant_prefixes(),
            tiers=TIERS,
            scenario_rows=SCENARIO_ROWS,
            problems=problems,
            bad_fields={p.field for p in problems if p.field},
            runs=runs,
            ran_by=_last_runs_by([r.scenario_id for r in runs]),
            running=simulation_jobs(current_app).running(),
            can_run=current_user.role in RUNNERS,
            max_enterprises=MAX_ENTERPRISES,
            max_seconds=int(MAX_SECONDS),
        ),
        status,
    )


@simulations_area.get("/")
@allow(*VIEWERS)
def index() -> tuple[str, int]:
    return _index_page()


def _record_start(job: SimulationJob, scenario: ScenarioFile, source: str) -> None:
    """Who started what, when: written as the job starts, so a run the server never finished
    is still on record (its end is recorded by the job: simulation.run / run_failed)."""
    pop = scenario.population
    audit.record(
        db(),
        current_user.username,
        "simulation.start",
        "simulation",
        job.scenario_id,
        None,
        {
            "job": job.id,
            "kind": job.kind,
            "source": source,
            "name": scenario.name,
            "enterprises": pop.enterprises,
            "periods": scenario.periods,
            "replications": scenario.replications,
            "variants": [BASELINE, *(s.name for s in scenario.scenarios)],
        },
    )
    db().commit()


def _start_run(
    scenario: ScenarioFile, form: dict[str, str] | None, source: str
) -> Response | tuple[str, int]:
    lang = short_language()
    try:
        check_size(scenario)
        job = simulation_jobs(current_app).start(
            new_job("run", scenario, current_user.username),
            run_work(store_of(current_app), scenario, lang),
        )
    except SimulationTooLargeError as err:
        return _index_page(form, [FormProblem("", err.message(lang))], 400)
    except SimulationBusyError as err:
        return _index_page(form, [FormProblem("", err.message(lang))], 409)
    _record_start(job, scenario, source)
    return redirect(url_for("simulations_area.job", job_id=job.id))


@simulations_area.post("/run")
@allow(*RUNNERS)
def run_form() -> Response | tuple[str, int]:
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        scenario = scenario_from_form(form, short_language())
    except ScenarioFormError as err:
        return _index_page(form, err.problems, 400)
    return _start_run(scenario, form, "form")


@simulations_area.post("/upload")
@allow(*RUNNERS)
def upload() -> Response | tuple[str, int]:
    lang = short_language()
    sent = request.files.get("scenario_file")
    if sent is None or not sent.filename:
        return _index_page(None, [FormProblem("", _("请选择要上传的情景文件（YAML）。"))], 400)
    raw = sent.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        return _index_page(
            None,
            [
                FormProblem(
                    "", _("情景文件超过 %(n)s KB，不像是一个情景文件。", n=MAX_UPLOAD_BYTES // 1024)
                )
            ],
            400,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _index_page(None, [FormProblem("", _("情景文件须为 UTF-8 编码的 YAML 文本。"))], 400)
    try:
        scenario = parse_scenario(text, sent.filename)
        check_districts(scenario, lang)
    except ScenarioFileError as err:
        lines = [FormProblem("", i.render(lang)) for i in err.issues]
        return _index_page(None, lines, 400)
    except ScenarioFormError as err:
        return _index_page(None, err.problems, 400)
    return _start_run(scenario, None, f"upload:{sent.filename}")


def _job_or_404(job_id: str) -> Any:
    found = simulation_jobs(current_app).get(job_id)
    if found is None:
        abort(404)
    return found


@simulations_area.get("/jobs/<job_id>")
@allow(*VIEWERS)
def job(job_id: str) -> str:
    return render_template("simulations_job.html", job=_job_or_404(job_id))


@simulations_area.get("/jobs/<job_id>/status")
@allow(*VIEWERS)
def job_status(job_id: str) -> str:
    return render_template("simulations_job_status.html", job=_job_or_404(job_id))


def _result_or_404(sid: str) -> dict[str, Any]:
    result = load_run(sid)
    if result is None:
        abort(404)
    return result


def _variants(result: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Baseline first, then the scenarios in the order their file lists them (result.json is
    stored with sorted keys, which loses that order)."""
    scenarios: dict[str, Any] = result["scenarios"]
    stored = run_scenario_file(str(result.get("scenario_id", "")))
    order = [s.name for s in stored.scenarios] if stored is not None else []
    names = [n for n in order if n in scenarios] + sorted(set(scenarios) - set(order))
    return [(BASELINE, result["baseline"]), *((n, scenarios[n]) for n in names)]


def _day_ranges(days: list[int]) -> str:
    """[1, 2, 3, 5] -> "1-3,5": quiet days read as a planner writes them."""
    parts: list[str] = []
    for day in sorted(set(days)):
        if parts and day == int(parts[-1].split("-")[-1]) + 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{day}"
        else:
            parts.append(str(day))
    return ",".join(parts)


def _override_lines(overrides: dict[str, Any], prefix: str = "") -> list[str]:
    """A variant's overrides as short `key = value` lines for the column heading."""
    lines: list[str] = []
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            lines.extend(_override_lines(value, path + "."))
        elif key == "quiet_days_of_month" and isinstance(value, list):
            lines.append(f"{path} = {_day_ranges([int(v) for v in value])}")
        elif isinstance(value, bool):
            lines.append(f"{path} = {'true' if value else 'false'}")
        elif isinstance(value, list):
            lines.append(f"{path} = {', '.join(str(v) for v in value)}")
        else:
            lines.append(f"{path} = {value}")
    return lines


def _chart_data(result: dict[str, Any], lang: str) -> dict[str, Any]:
    """What simulation_charts.js draws: per metric each variant's mean and 95% interval (and
    its change from the baseline), and the burden by tier."""
    variants = _variants(result)
    labels = {m.key: (m.en if lang == "en" else m.zh) for m in METRICS}

    def series(key: str) -> dict[str, Any]:
        entries = [block["metrics"].get(key) or {} for _name, block in variants]
        return {
            "key": key,
            "label": labels[key],
            "means": [e.get("mean") for e in entries],
            "intervals": [e.get("ci95") for e in entries],
            "changes": [e.get("change") for e in entries],
            "change_intervals": [e.get("change_ci95") for e in entries],
        }

    return {
        "variants": [name for name, _block in variants],
        "metrics": [series(k) for k in CHARTED],
        "burden": [series(f"burden_{t}") for t in TIERS],
        "tiers": list(TIERS),
        "text": {
            "mean": _("均值"),
            "interval": _("95% 置信区间"),
            "change": _("相对基准的变化"),
            "burden": _("检查负担（次/户/年）"),
            "tier": _("%(t)s类", t="{t}"),
        },
    }


def _rows(result: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The comparison table: one row per metric, one cell per variant."""
    rows = []
    for metric in METRICS:
        cells = []
        for name, block in _variants(result):
            m = block["metrics"].get(metric.key) or {}
            change = m.get("change")
            cells.append(
                {
                    "mean": _fmt(m.get("mean")),
                    "interval": _interval(m.get("ci95")),
                    "baseline": name == BASELINE,
                    "change": None
                    if change is None
                    else ("+" if change > 0 else "") + _fmt(change),
                    "direction": "same" if not change else ("up" if change > 0 else "down"),
                    "change_interval": _interval(m.get("change_ci95")),
                }
            )
        rows.append(
            {"key": metric.key, "label": metric.en if lang == "en" else metric.zh, "cells": cells}
        )
    return rows


@simulations_area.get("/runs/<sid>")
@allow(*VIEWERS)
def run_page(sid: str) -> str:
    result = _result_or_404(sid)
    lang = short_language()
    history = db().scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "simulation", AuditEvent.object_id == sid)
        .order_by(AuditEvent.id.desc())
        .limit(50)
    )
    variants = _variants(result)
    return render_template(
        "simulations_run.html",
        result=result,
        sid=sid,
        variants=[
            (name, _override_lines(block.get("overrides") or {})) for name, block in variants
        ],
        rows=_rows(result, lang),
        burden=[r for r in _rows(result, lang) if r["key"].startswith("burden_")],
        chart_data=_chart_data(result, lang),
        charted=CHARTED,
        notes=[n["en"] if lang == "en" else n["zh"] for n in result.get("notes", [])],
        history=list(history),
        can_run=current_user.role in RUNNERS,
        stored_scenario=run_scenario_file(sid) is not None,
    )


def _record_download(sid: str, what: str) -> None:
    audit.record(
        db(), current_user.username, "simulation.download", "simulation", sid, None, {"file": what}
    )
    db().commit()


@simulations_area.get("/runs/<sid>/result.json")
@allow(*VIEWERS)
def result_json(sid: str) -> Response:
    result = _result_or_404(sid)
    _record_download(sid, "result.json")
    reply = Response(current_app.json.dumps(result, indent=1), mimetype="application/json")
    reply.headers["Content-Disposition"] = f'attachment; filename="simulation-{sid[:12]}.json"'
    return reply


@simulations_area.get("/runs/<sid>/report.html")
@allow(*VIEWERS)
def report(sid: str) -> Response:
    _result_or_404(sid)
    page = report_html(sid, short_language())
    if page is None:
        abort(404)
    _record_download(sid, page.name)
    return send_file(
        page,
        mimetype="text/html",
        as_attachment=True,
        download_name=f"simulation-{sid[:12]}.html",
    )


@simulations_area.get("/runs/<sid>/scenario.yaml")
@allow(*VIEWERS)
def scenario_file(sid: str) -> Response:
    scenario = run_scenario_file(sid) if is_scenario_id(sid) else None
    if scenario is None:
        abort(404)
    _record_download(sid, "scenario.yaml")
    return Response(
        scenario_yaml(scenario),
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="scenario-{sid[:12]}.yaml"'},
    )


@simulations_area.post("/runs/<sid>/rerun")
@allow(*RUNNERS)
def rerun(sid: str) -> Response | tuple[str, int]:
    """Simulate a stored scenario again, without the cache, and say whether the numbers are
    the same as the stored ones (they must be: same id, same result)."""
    _result_or_404(sid)
    scenario = run_scenario_file(sid)
    if scenario is None:
        abort(404)
    if scenario_id(scenario) != sid:
        # The code or a rule package changed since this run: the same file now has another
        # id, and its result may differ. Run it as a new scenario and say why.
        flash(
            _(
                "该结果由旧版本的模型代码或规则包生成，无法按原编号复现；已按现行版本作为新情景运行。"
            )
        )
        return _start_run(scenario, None, f"rerun:{sid}")
    try:
        job = simulation_jobs(current_app).start(
            new_job("reproduce", scenario, current_user.username),
            reproduce_work(store_of(current_app), scenario),
        )
    except SimulationBusyError as err:
        flash(err.message(short_language()))
        return redirect(url_for("simulations_area.run_page", sid=sid))
    _record_start(job, scenario, f"rerun:{sid}")
    return redirect(url_for("simulations_area.job", job_id=job.id))
