"""A gate result crosses Airflow tasks as a dict: nothing may be lost on the way."""

from pathlib import Path

from evalwh.quality import CheckFailure, GateResult


def test_gate_result_survives_a_round_trip_through_a_dict():
    gate = GateResult(
        checks_passed=9,
        checks_total=10,
        failures=(CheckFailure("t.c:x", "s", "expect_x", "t", "c", 2, ({"k": 1},), None, "bad"),),
        skipped=("row_counts: no previous version",),
        data_docs_index=Path("/tmp/docs/index.html"),
        run_id="r1",
        staging_db=Path("/tmp/s.duckdb"),
        staging_fingerprint=(10, 20),
    )
    again = GateResult.from_dict(gate.to_dict())
    assert again == gate
    assert again.passed is False
