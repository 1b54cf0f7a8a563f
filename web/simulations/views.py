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
from jianguan.errors import JianguanError
from jianguan.models import AuditEvent
from simulations.report import CHARTED
from simulations.run_cache import (
    CachedRun,
    has_run,
    list_runs,
    load_run,
    report_html,
    run_scenario_file,
    scenario_yaml,
)
from simulations.scenario_file import BASELINE, ScenarioFile, ScenarioFileError, parse_scenario
from simulations.scenario_id import scenario_id
from web.core.access import allow
from web.core.background_jobs import jobs_enqueued
from web.core.db_session import db
from web.core.i18n import short_language
from web.simulations.jobs import (
    MAX_ENTERPRISES,
    MAX_SECONDS,
    SimulationJob,
    SimulationTooLargeError,
    check_size,
    job_or_404,
    running,
    start_simulation,
)
from web.simulations.results import present
from web.simulations.scenario_form import (
    SCENARIO_ROWS,
    TIERS,
    FormProblem,
    ScenarioFormError,
    blank_form,
    scenario_from_form,
    variant_prefixes,
)

simulations_area = Blueprint(
    "simulations_area", __name__, template_folder="templates", url_prefix="/simulations"
)

RUNNERS = ("planner",)
VIEWERS = ("planner", "admin")
MAX_UPLOAD_BYTES = 256 * 1024  # a scenario file is a page of YAML
_RUN_ACTIONS = ("simulation.run", "simulation.reproduce", "simulation.run_failed")


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
            running=running(db()),
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
    jobs_enqueued(current_app)


def _start_run(
    scenario: ScenarioFile, form: dict[str, str] | None, source: str
) -> Response | tuple[str, int]:
    lang = short_language()
    try:
        check_size(scenario)
        job = start_simulation(db(), "run", scenario, lang, current_user.username)
    except SimulationTooLargeError as err:
        return _index_page(form, [FormProblem("", err.message(lang))], 400)
    except JianguanError as err:  # another simulation runs, or this user has too many jobs
        db().rollback()
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
    try:  # shape limits, every field and the district codes, each problem at its line
        scenario = parse_scenario(text, sent.filename)
    except ScenarioFileError as err:
        lines = [FormProblem("", i.render(lang)) for i in err.issues]
        return _index_page(None, lines, 400)
    return _start_run(scenario, None, f"upload:{sent.filename}")


def _job_or_404(job_id: str) -> SimulationJob:
    return job_or_404(job_id)


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
    return render_template(
        "simulations_run.html",
        result=result,
        sid=sid,
        view=present(result, run_scenario_file(sid), lang),
        charted=CHARTED,
        history=list(history),
        can_run=current_user.role in RUNNERS,
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
    page = report_html(sid, short_language())  # None when the run is not stored
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
    scenario = run_scenario_file(sid)
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
    scenario = run_scenario_file(sid) if has_run(sid) else None
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
        job = start_simulation(db(), "reproduce", scenario, short_language(), current_user.username)
    except JianguanError as err:  # busy, or too many jobs of this user
        db().rollback()
        flash(err.message(short_language()))
        return redirect(url_for("simulations_area.run_page", sid=sid))
    _record_start(job, scenario, f"rerun:{sid}")
    return redirect(url_for("simulations_area.job", job_id=job.id))
