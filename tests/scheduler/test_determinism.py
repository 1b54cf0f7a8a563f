from scheduler.plan_document import plan_bytes
from scheduler.planner import PlanSettings, generate_plan
from tests.scheduler import factory as f

CITIES = ("360102", "360103", "360203", "360222")


def _instance():
    firms = f.enterprises(120, districts=CITIES, key_every=7)
    staff = f.officers(12, "SCJG", ["food"], districts=CITIES) + f.officers(
        12, "SW", ["tax"], districts=CITIES
    )
    task = f.task(sampling={"A": 0.3, "B": 0.5, "C": 0.8, "D": 1.0})
    return firms, staff, task


def _bytes(settings: PlanSettings, seed: str = f.SEED) -> bytes:
    firms, staff, task = _instance()
    return plan_bytes(generate_plan(firms, staff, task, seed, settings=settings))


def test_same_inputs_same_bytes_for_any_worker_or_process_count() -> None:
    one = _bytes(PlanSettings(num_workers=1, processes=1))
    assert one == _bytes(PlanSettings(num_workers=1, processes=1))
    assert one == _bytes(PlanSettings(num_workers=2, processes=1))
    assert one == _bytes(PlanSettings(num_workers=1, processes=2))  # two cities in parallel


def test_regions_split_by_city_and_seed_changes_the_plan() -> None:
    import json

    doc = json.loads(_bytes(PlanSettings(processes=1)))
    assert [r["region"] for r in doc["report"]["regions"]] == ["3601", "3602"]
    assert doc["inspections"] and doc["unscheduled"] == []
    other = json.loads(_bytes(PlanSettings(processes=1), seed="0f" * 16))
    assert other["draw"] != doc["draw"]
