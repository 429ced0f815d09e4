-- One row per province-year whose report has loaded: the current batch of its workbook.
-- "The target year's report has loaded" (not_reported vs still open) is a lookup here.

with

source_files as (

    select * from {{ ref('stg_ingest__source_files') }}

),

current_workbooks as (

    select
        source_files.province_code,
        source_files.report_year,
        source_files.batch,
        source_files.source_file,
        source_files.file_sha256
    from source_files
    where
        source_files.file_kind = 'report_workbook'
        and source_files.file_status = 'loaded'

)

select * from current_workbooks
