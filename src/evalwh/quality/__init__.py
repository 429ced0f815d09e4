"""Data-quality gate (Great Expectations 1.x) for the warehouse file about to be published.

    from evalwh.quality import validate
    gate = validate(staging_db, previous_published_db, data_docs_dir, ingest_db=..., run_id=...)
    gate.passed, gate.checks_passed, gate.checks_total, gate.failures, gate.data_docs_index

Suites are data: one JSON file per suite in `config.EXPECTATIONS_DIR` (``expectations/``).
Importing this package does not import great_expectations (that costs ~10 s); `validate()`
imports it when it runs.
"""

from __future__ import annotations

from evalwh.quality.gate import CheckFailure, GateResult, validate
from evalwh.quality.suites import ExpectationSpec, SuiteSpec, load_suites

__all__ = ["CheckFailure", "ExpectationSpec", "GateResult", "SuiteSpec", "load_suites", "validate"]
