-- The ingest database ($EVALWH_WAREHOUSE_DIR/ingest/ingest.duckdb): the raw layer and the audit trail.
-- Written only by the ingestion step (evalwh.ingest); read by dbt (attached read-only as `ingest`)
-- and by the publish step. Every raw row carries its lineage: the file it came from (path relative
-- to the raw dir), that file's sha256, the sheet (NULL for CSV), the 1-based row number in the
-- sheet (Excel row number) or the CSV line number, and the run that loaded it.
-- Values are already typed and canonical: enums are English snake_case codes, numbers are DOUBLE,
-- dates are DATE, region codes are 6- or 9-digit VARCHAR. Chinese free text is kept as it arrived.
-- Raw tables keep every batch: superseded batches stay (audit.source_files says which file is
-- current); the dbt staging layer keeps only the latest batch per province-year.
--
-- How it is stored. `raw.<table>` is a view, read exactly as the tables it replaced (same
-- columns, same order, same types). Behind it, `raw_rows.<table>` holds each row's own values
-- and row number, keyed by `lineage_id` to one row of `raw.lineage`: what every row of one file's
-- sheet shares (the file, its sha256, the sheet, the run, the cover's year, province and batch,
-- an export's date and rank). Storing those nine constants on every row was half of the ingest
-- writer's DuckDB work (docs/performance.md, sixth pass). Write through evalwh.store.insert_raw
-- (the ingest writer inserts into raw.lineage and raw_rows.<table> itself); ingest DBs written
-- before are moved to this layout when a writer opens them (evalwh.store.upgrade_raw_layer).

create schema if not exists raw;
create schema if not exists raw_rows;
create schema if not exists audit;

create sequence if not exists raw.lineage_ids;

create table if not exists raw.lineage (              -- one file's rows in one raw table
    lineage_id INTEGER primary key,
    raw_table VARCHAR not null,                        -- officials | ... | inspection_findings
    source_file VARCHAR not null,                      -- relative to the raw dir
    file_sha256 VARCHAR not null,
    sheet VARCHAR,                                     -- the workbook sheet; NULL for a CSV export
    run_id VARCHAR not null,                           -- the load run that wrote the rows
    report_year INTEGER,                               -- workbooks: 年度 from the cover sheet
    province_code VARCHAR,                             --            省份代码 from the cover sheet
    province_name VARCHAR,                             --            省份 from the cover sheet
    batch INTEGER,                                     --            报送批次
    template_version VARCHAR,                          --            'v1' | 'v2'
    export_date DATE,                                  -- exports: from the file name
    export_order INTEGER,                              --          rank of the file among all exports (date, then name)
    check (raw_table = 'inspection_findings' or (sheet is not null and report_year is not null
        and province_code is not null and batch is not null and template_version is not null)),
    check (raw_table <> 'inspection_findings' or (export_date is not null and export_order is not null))
);

-- ---------------------------------------------------------------- workbook sheets
-- columns shared by every workbook table (lineage, from raw.lineage):
--   report_year INTEGER      年度 from the cover sheet
--   province_code VARCHAR    省份代码 from the cover sheet
--   province_name VARCHAR    省份 from the cover sheet
--   batch INTEGER            报送批次
--   template_version VARCHAR 'v1' | 'v2'
--   source_file VARCHAR, file_sha256 VARCHAR, sheet VARCHAR, row_number INTEGER, run_id VARCHAR

create table if not exists raw_rows.officials (       -- sheet 述职对象
    lineage_id INTEGER not null,
    region_code VARCHAR not null,
    region_name VARCHAR,
    level VARCHAR not null,                            -- city | county | township
    parent_code VARCHAR,
    official_name VARCHAR not null,
    took_office_date DATE,
    row_number INTEGER not null
);

create table if not exists raw_rows.commitments (     -- sheet 承诺事项 (made in report_year, due report_year + 1)
    lineage_id INTEGER not null,
    commitment_id VARCHAR not null,                    -- v1: '{year}-{region_code}-{序号:02d}'
    region_code VARCHAR not null,
    category_code VARCHAR not null,                    -- responsibility | leadership | ... (warehouse.md)
    content VARCHAR,                                   -- 承诺内容
    metric_name VARCHAR,                               -- 指标名称
    target_value DOUBLE,                               -- NULL for a qualitative commitment
    unit VARCHAR,                                      -- '%', '天', '元', '户', ... or NULL
    due_date DATE,                                     -- 完成时限
    row_number INTEGER not null
);

create table if not exists raw_rows.commitment_outcomes ( -- sheet 承诺完成情况 (outcomes of report_year - 1 commitments)
    lineage_id INTEGER not null,
    commitment_id VARCHAR not null,                    -- v1: '{year-1}-{region_code}-{上年承诺序号:02d}'
    region_code VARCHAR,                               -- given in v1; NULL when the sheet lacks it
    outcome_value DOUBLE,
    outcome_unit VARCHAR,
    outcome_status VARCHAR not null,                   -- fulfilled | partial | unfulfilled
    note VARCHAR,                                      -- 情况说明
    row_number INTEGER not null
);

create table if not exists raw_rows.problems (        -- sheet 问题清单 (identified in report_year)
    lineage_id INTEGER not null,
    problem_id VARCHAR not null,
    region_code VARCHAR not null,
    source VARCHAR not null,                           -- self | superior | public | inspection
    category_code VARCHAR not null,
    description VARCHAR,
    rectify_deadline DATE,                             -- 整改时限
    row_number INTEGER not null
);

create table if not exists raw_rows.rectifications (  -- sheet 整改情况 (of report_year - 1 problems)
    lineage_id INTEGER not null,
    problem_id VARCHAR not null,
    rectification_status VARCHAR not null,             -- rectified | in_progress | not_rectified
    measures VARCHAR,                                  -- 整改措施
    completed_date DATE,                               -- 完成日期
    row_number INTEGER not null
);

create table if not exists raw_rows.evaluations (     -- sheet 评议结果 (of report_year's report)
    lineage_id INTEGER not null,
    region_code VARCHAR not null,
    rating VARCHAR not null,                           -- good | fairly_good | average | poor
    score DOUBLE,                                      -- 0..100
    approval_rate DOUBLE,                              -- 0..1
    critique_count INTEGER,
    row_number INTEGER not null
);

-- ---------------------------------------------------------------- inspection exports
create table if not exists raw_rows.inspection_findings ( -- one row per finding per export (full history)
    lineage_id INTEGER not null,
    finding_id VARCHAR not null,
    inspection_date DATE,
    inspection_type VARCHAR not null,                  -- random_visit | unannounced | circuit_inspection | special_check
    region_code VARCHAR not null,
    category_code VARCHAR not null,
    severity VARCHAR not null,                         -- minor | serious | grave
    description VARCHAR,
    linked_problem_id VARCHAR,
    rectify_deadline DATE,
    status VARCHAR not null,                           -- rectified | in_progress | not_rectified
    accountability_action VARCHAR not null,            -- interview | public_criticism | admonishment | dismissal | reassignment | none
    persons_held_accountable INTEGER,
    row_number INTEGER not null                        -- CSV line number (header is line 1)
);

-- ---------------------------------------------------------------- the raw tables, as read
create view if not exists raw.officials as
select r.region_code, r.region_name, r.level, r.parent_code, r.official_name, r.took_office_date,
    l.report_year, l.province_code, l.province_name, l.batch, l.template_version,
    l.source_file, l.file_sha256, l.sheet, r.row_number, l.run_id
from raw_rows.officials as r join raw.lineage as l on l.lineage_id = r.lineage_id;

create view if not exists raw.commitments as
select r.commitment_id, r.region_code, r.category_code, r.content, r.metric_name, r.target_value,
    r.unit, r.due_date,
    l.report_year, l.province_code, l.province_name, l.batch, l.template_version,
    l.source_file, l.file_sha256, l.sheet, r.row_number, l.run_id
from raw_rows.commitments as r join raw.lineage as l on l.lineage_id = r.lineage_id;

create view if not exists raw.commitment_outcomes as
select r.commitment_id, r.region_code, r.outcome_value, r.outcome_unit, r.outcome_status, r.note,
    l.report_year, l.province_code, l.province_name, l.batch, l.template_version,
    l.source_file, l.file_sha256, l.sheet, r.row_number, l.run_id
from raw_rows.commitment_outcomes as r join raw.lineage as l on l.lineage_id = r.lineage_id;

create view if not exists raw.problems as
select r.problem_id, r.region_code, r.source, r.category_code, r.description, r.rectify_deadline,
    l.report_year, l.province_code, l.province_name, l.batch, l.template_version,
    l.source_file, l.file_sha256, l.sheet, r.row_number, l.run_id
from raw_rows.problems as r join raw.lineage as l on l.lineage_id = r.lineage_id;

create view if not exists raw.rectifications as
select r.problem_id, r.rectification_status, r.measures, r.completed_date,
    l.report_year, l.province_code, l.province_name, l.batch, l.template_version,
    l.source_file, l.file_sha256, l.sheet, r.row_number, l.run_id
from raw_rows.rectifications as r join raw.lineage as l on l.lineage_id = r.lineage_id;

create view if not exists raw.evaluations as
select r.region_code, r.rating, r.score, r.approval_rate, r.critique_count,
    l.report_year, l.province_code, l.province_name, l.batch, l.template_version,
    l.source_file, l.file_sha256, l.sheet, r.row_number, l.run_id
from raw_rows.evaluations as r join raw.lineage as l on l.lineage_id = r.lineage_id;

create view if not exists raw.inspection_findings as
select r.finding_id, r.inspection_date, r.inspection_type, r.region_code, r.category_code,
    r.severity, r.description, r.linked_problem_id, r.rectify_deadline, r.status,
    r.accountability_action, r.persons_held_accountable,
    l.export_date, l.export_order, l.source_file, l.file_sha256, r.row_number, l.run_id
from raw_rows.inspection_findings as r join raw.lineage as l on l.lineage_id = r.lineage_id;

-- ---------------------------------------------------------------- audit trail
create table if not exists audit.load_runs (
    run_id VARCHAR primary key,
    started_at TIMESTAMP not null,
    finished_at TIMESTAMP,
    files_loaded INTEGER default 0,
    files_quarantined INTEGER default 0,
    rows_loaded BIGINT default 0,
    rows_rejected BIGINT default 0,
    published BOOLEAN default false,
    status VARCHAR default 'running',                  -- running | succeeded | failed | interrupted (additive to the contract)
    message VARCHAR                                    -- failure reason, if any (additive to the contract)
);

create table if not exists audit.source_files (
    path VARCHAR not null,                             -- relative to the raw dir
    sha256 VARCHAR not null,
    kind VARCHAR not null,                             -- report_workbook | inspection_export
    province_code VARCHAR,
    year INTEGER,
    batch INTEGER,
    status VARCHAR not null,                           -- loaded | superseded | quarantined | duplicate
    run_id VARCHAR not null,
    primary key (path, sha256)
);

-- What the ingestion last hashed, per landing-zone path: a file whose size, mtime, ctime and
-- inode all still match is not read again to know its sha256 (evalwh.ingest.load.file_sha256).
-- A cache, internal to the ingest DB (not copied into the published file); safe to empty.
create table if not exists audit.file_fingerprints (
    path VARCHAR primary key,                          -- relative to the raw dir
    size BIGINT not null,
    mtime_ns BIGINT not null,
    ctime_ns BIGINT not null,
    inode BIGINT not null,
    sha256 VARCHAR not null
);

create table if not exists audit.quarantine (
    file VARCHAR not null,
    reason VARCHAR not null,
    run_id VARCHAR not null
);

create table if not exists audit.rejects (
    file VARCHAR not null,
    sheet VARCHAR,
    row_number INTEGER,
    reason VARCHAR not null,
    raw_values JSON,
    run_id VARCHAR not null
);

create table if not exists audit.published_versions (
    version INTEGER not null,
    run_id VARCHAR,
    published_at TIMESTAMP not null,
    checks_passed INTEGER not null,
    checks_total INTEGER not null,
    sha256 VARCHAR
);
