import hmac
import math

import pytest

from scheduler.draw import DrawError, classify, draw, in_population
from tests.scheduler import factory as f


def _pop(firms, task):
    return classify([e for e in firms if in_population(e, task)], task.period.start)


def test_ceil_uses_the_decimal_ratio_not_the_float() -> None:
    # 0.07 * 100 == 7.000000000000001 in floating point: a float ceil would draw 8.
    assert math.ceil(0.07 * 100) == 8
    firms = f.enterprises(100, tiers=("A",))
    task = f.task(sampling={"A": 0.07, "B": 1.0, "C": 1.0, "D": 1.0})
    result = draw(_pop(firms, task), task, f.SEED)
    assert result.strata["A"] == {"population": 100, "ratio": "0.07", "drawn": 7}


def test_rank_is_the_published_hmac_and_smallest_are_drawn() -> None:
    firms = f.enterprises(40, tiers=("B",), key_every=10)
    task = f.task(sampling={"A": 0.1, "B": 0.25, "C": 1.0, "D": 1.0})
    result = draw(_pop(firms, task), task, f.SEED)
    key = bytes.fromhex(f.SEED)
    ranks = {e.id: hmac.new(key, f"{task.id}|{e.id}".encode(), "sha256").hexdigest() for e in firms}
    key_ids = {e.id for e in firms if e.key_supervision}
    b_ids = sorted((e.id for e in firms if not e.key_supervision), key=lambda i: ranks[i])
    assert result.strata["key"] == {"population": 4, "drawn": 4}
    assert result.strata["B"] == {"population": 36, "ratio": "0.25", "drawn": 9}
    drawn_b = [d.enterprise_id for d in result.drawn if d.stratum == "B"]
    assert drawn_b == b_ids[:9]
    assert {d.enterprise_id for d in result.drawn if d.stratum == "key"} == key_ids
    assert all(d.rank == ranks[d.enterprise_id] for d in result.drawn)


def test_filters_restrict_the_population() -> None:
    firms = f.enterprises(30, districts=("360102", "360103", "360104"))
    task = f.task(districts=["360103"])
    assert {c.enterprise.district for c in _pop(firms, task)} == {"360103"}
    task = f.task(industries=["C"])
    assert _pop(firms, task) == []


def test_another_seed_draws_differently() -> None:
    firms = f.enterprises(200, tiers=("C",))
    task = f.task(sampling={"A": 1.0, "B": 1.0, "C": 0.1, "D": 1.0})
    one = draw(_pop(firms, task), task, f.SEED)
    two = draw(_pop(firms, task), task, "00" * 16)
    assert {d.enterprise_id for d in one.drawn} != {d.enterprise_id for d in two.drawn}


@pytest.mark.parametrize("seed", ["abc", "z" * 32, "a" * 33, "20260301"])
def test_bad_seeds_are_refused(seed: str) -> None:
    firms = f.enterprises(3)
    task = f.task()
    with pytest.raises(DrawError):
        draw(_pop(firms, task), task, seed)


def test_undecided_tiers_are_decided_by_the_rule_packages() -> None:
    import dataclasses

    firms = f.enterprises(6)
    undecided = [dataclasses.replace(e, credit_tier=None, key_supervision=None) for e in firms]
    undecided[0] = dataclasses.replace(
        undecided[0], serious_dishonest_list=True, annual_report_filed=False
    )
    undecided[1] = dataclasses.replace(undecided[1], credit_tier="A")  # given: kept
    classified = classify(undecided, f.task().period.start)
    assert classified[0].credit_tier == "D"  # serious dishonesty list → D (formats.md §5)
    assert classified[1].credit_tier == "A"
    assert all(c.credit_tier in "ABCD" and isinstance(c.key_supervision, bool) for c in classified)


def test_streamed_inputs_hash_equals_the_canonical_document_hash() -> None:
    from scheduler.canonical_json import sha256_of
    from scheduler.draw import canonical_inputs, inputs_sha256

    firms = f.enterprises(30, districts=("360102", "360103"))
    staff = f.officers(3, "SCJG", ["food"]) + f.officers(2, "YJ", ["safety"])
    task = f.task(districts=["360103"])
    pop = _pop(firms, task)
    assert inputs_sha256(pop, staff, task) == sha256_of(canonical_inputs(pop, staff, task))
    assert inputs_sha256(pop, staff[:1], task) != inputs_sha256(pop, staff, task)


def test_streamed_hash_holds_across_chunks_and_for_every_officer_column() -> None:
    import dataclasses
    from datetime import date

    from scheduler.canonical_json import sha256_of
    from scheduler.draw import _CHUNK, canonical_inputs, inputs_sha256

    firms = f.enterprises(_CHUNK + 3)  # rows are encoded a chunk at a time
    staff = [
        dataclasses.replace(
            o, max_per_day=2, unavailable=(date(2026, 3, 2),), recusals=(firms[0].id,)
        )
        for o in f.officers(2, "SCJG", ["food", "price"])
    ]
    task = f.task()
    pop = _pop(firms, task)
    assert inputs_sha256(pop, staff, task) == sha256_of(canonical_inputs(pop, staff, task))


def test_seeded_costs_are_the_hmac_of_the_whole_label_for_any_key_length() -> None:
    from scheduler.draw import ranker
    from scheduler.keyed_cost import KeyedCost

    for key in (bytes(range(16)), bytes(64), bytes(range(65)), b"\xff" * 200):
        whole = hmac.digest(key, "任务-1|team|SW|2026-03-16|E1|T0001".encode(), "sha256")
        cost = KeyedCost(key, "任务-1", 28)
        assert cost("team", "SW", "2026-03-16", "E1", "T0001") == int.from_bytes(whole) >> 228
        assert cost() == int.from_bytes(hmac.digest(key, "任务-1".encode(), "sha256")) >> 228
        rank = hmac.new(key, "任务-1|91360102MA35X".encode(), "sha256").hexdigest()
        assert ranker(key, "任务-1")("91360102MA35X") == rank
