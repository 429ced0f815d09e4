-- The ingest database ($EVALWH_WAREHOUSE_DIR/ingest/ingest.duckdb): the raw layer and the audit trail.
-- Written only by the ingestion step (evalwh.ingest); read by dbt (attached read-only as `ingest`)
-- and by the publish step. Every raw row carries its lineage: the file it came from (path relative
-- to the raw dir), that file's sha256, the sheet (NULL for CSV), the 1-based row number in the
-- sheet (Excel row number) or the CSV line number, and the run that loaded it.
-- Values are already typed and canonical: enums are English snake_case codes, numbers are DOUBLE,
-- dates are DATE, region codes are 6- or 9-digit VARCHAR. Chinese free text is kept as it arrived.
-- Raw tables keep every batch: superseded batches stay (audit.source_files says which file is
-- current); the dbt staging layer keeps only the latest batch per province-year.

create schema if not exists raw;
create schema if not exists audit;

-- ---------------------------------------------------------------- workbook sheets
-- columns shared by every workbook table (lineage):
--   report_year INTEGER      年度 from the cover sheet
--   province_code VARCHAR    省份代码 from the cover sheet
--   province_name VARCHAR    省份 from the cover sheet
--   batch INTEGER            报送批次
--   template_version VARCHAR 'v1' | 'v2'
--   source_file VARCHAR, file_sha256 VARCHAR, sheet VARCHAR, row_number INTEGER, run_id VARCHAR

create table if not exists raw.officials (            -- sheet 述职对象
    region_code VARCHAR not null,
    region_name VARCHAR,
    level VARCHAR not null,                            -- city | county | township
    parent_code VARCHAR,
    official_name VARCHAR not null,
    took_office_date DATE,
    report_year INTEGER not null, province_code VARCHAR not null, province_name VARCHAR,
    batch INTEGER not null, template_version VARCHAR not null,
    source_file VARCHAR not null, file_sha256 VARCHAR not null, sheet VARCHAR not null,
    row_number INTEGER not null, run_id VARCHAR not null
);

create table if not exists raw.commitments (          -- sheet 承诺事项 (made in report_year, due report_year + 1)
    commitment_id VARCHAR not null,                    -- v1: '{year}-{region_code}-{序号:02d}'
    region_code VARCHAR not null,
    category_code VARCHAR not null,                    -- responsibility | leadership | ... (warehouse.md)
    content VARCHAR,                                   -- 承诺内容
    metric_name VARCHAR,                               -- 指标名称
    target_value DOUBLE,                               -- NULL for a qualitative commitment
    unit VARCHAR,                                      -- '%', '天', '元', '户', ... or NULL
    due_date DATE,                                     -- 完成时限
    report_year INTEGER not null, province_code VARCHAR not null, province_name VARCHAR,
    batch INTEGER not null, template_version VARCHAR not null,
    source_file VARCHAR not null, file_sha256 VARCHAR not null, sheet VARCHAR not null,
    row_number INTEGER not null, run_id VARCHAR not null
);

create table if not exists raw.commitment_outcomes (  -- sheet 承诺完成情况 (outcomes of report_year - 1 commitments)
    commitment_id VARCHAR not null,                    -- v1: '{year-1}-{region_code}-{上年承诺序号:02d}'
    region_code VARCHAR,                               -- given in v1; NULL when the sheet lacks it
    outcome_value DOUBLE,
    outcome_unit VARCHAR,
    outcome_status VARCHAR not null,                   -- fulfilled | partial | unfulfilled
    note VARCHAR,                                      -- 情况说明
    report_year INTEGER not null, province_code VARCHAR not null, province_name VARCHAR,
    batch INTEGER not null, template_version VARCHAR not null,
    source_file VARCHAR not null, file_sha256 VARCHAR not null, sheet VARCHAR not null,
    row_number INTEGER not null, run_id VARCHAR not null
);

create table if not exists raw.problems (             -- sheet 问题清单 (identified in report_year)
    problem_id VARCHAR not null,
    region_code VARCHAR not null,
    source VARCHAR not null,                           -- self | superior | public | inspection
    category_code VARCHAR not null,
    description VARCHAR,
    rectify_deadline DATE,                             -- 整改时限
    report_year INTEGER not null, province_code VARCHAR not null, province_name VARCHAR,
    batch INTEGER not null, template_version VARCHAR not null,
    source_file VARCHAR not null, file_sha256 VARCHAR not null, sheet VARCHAR not null,
    row_number INTEGER not null, run_id VARCHAR not null
);

create table if not exists raw.rectifications (       -- sheet 整改情况 (of report_year - 1 problems)
    problem_id VARCHAR not null,
    rectification_status VARCHAR not null,             -- rectified | in_progress | not_rectified
    measures VARCHAR,                                  -- 整改措施
    completed_date DATE,                               -- 完成日期
    report_year INTEGER not null, province_code VARCHAR not null, province_name VARCHAR,
    batch INTEGER not null, template_version VARCHAR not null,
    source_file VARCHAR not null, file_sha256 VARCHAR not null, sheet VARCHAR not null,
    row_number INTEGER not null, run_id VARCHAR not null
);

create table if not exists raw.evaluations (          -- sheet 评议结果 (of report_year's report)
    region_code VARCHAR not null,
    rating VARCHAR not null,                           -- good | fairly_good | average | poor
    score DOUBLE,                                      -- 0..100
    approval_rate DOUBLE,                              -- 0..1
    critique_count INTEGER,
    report_year INTEGER not null, province_code VARCHAR not null, province_name VARCHAR,
    batch INTEGER not null, template_version VARCHAR not null,
    source_file VARCHAR not null, file_sha256 VARCHAR not null, sheet VARCHAR not null,
    row_number INTEGER not null, run_id VARCHAR not null
);

-- ---------------------------------------------------------------- inspection exports
create table if not exists raw.inspection_findings (  -- one row per finding per export (full history)
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
    export_date DATE not null,                         -- from the file name
    export_order INTEGER not null,                     -- rank of the file among all exports (date, then name)
    source_file VARCHAR not null, file_sha256 VARCHAR not null,
    row_number INTEGER not null,                       -- CSV line number (header is line 1)
    run_id VARCHAR not null
);

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
