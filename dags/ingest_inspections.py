"""Inspection-finding exports: load whatever is new in `$EVALWH_RAW_DIR/inspections`, hourly.

Each new `findings_<date>*.csv` export (UTF-8, UTF-8 with BOM or GB18030) is loaded in export
order; the same 发现编号 in a later export is a newer state of the finding, and every state is
kept. An hour with nothing new is a quick green run that triggers nothing; when something
loaded, the `evalwh_raw_inspections` Asset is updated and `build_and_publish` follows.
"""

from evalwh.airflow_support import RAW_INSPECTIONS, ingest_dag

ingest_dag("ingest_inspections", "inspections", "@hourly", RAW_INSPECTIONS, __doc__)
