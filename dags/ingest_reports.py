"""Yearly report workbooks: load whatever is new in `$EVALWH_RAW_DIR/reports`, once a day.

Every new workbook is loaded into the raw layer of the ingest DB in its own transaction: bad
files go to `audit.quarantine`, bad rows to `audit.rejects`, a later 报送批次 supersedes the
earlier one, and a file already loaded is skipped. A day with nothing new is a quick green run
that triggers nothing; when something loaded, the `evalwh_raw_reports` Asset is updated and
`build_and_publish` follows.
"""

from evalwh.airflow_support import RAW_REPORTS, ingest_dag

ingest_dag("ingest_reports", "reports", "@daily", RAW_REPORTS, __doc__)
