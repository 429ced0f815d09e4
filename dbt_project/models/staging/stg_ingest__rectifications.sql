-- The accepted-value seeds this model's relationship tests read: built first (Cosmos
-- renders one task per model, ordered by these dependencies).
-- depends_on: {{ ref('rectification_statuses') }}

with

source as (

    select * from {{ source('ingest_raw', 'rectifications') }}

),

current_batches as (

    {{ current_report_files() }}

),

renamed as (

    select

        ---------- ids
        source.problem_id,

        ---------- text
        source.rectification_status,
        source.measures as rectification_measures,

        ---------- dates
        source.completed_date,

        ---------- lineage
        source.report_year,
        source.province_code,
        source.province_name,
        source.batch,
        source.template_version,
        source.source_file,
        source.file_sha256,
        source.sheet as source_sheet,
        source.row_number as source_row_number,
        source.run_id as load_run_id

    from source
    where exists (
        select current_batches.file_sha256
        from current_batches
        where current_batches.file_sha256 = source.file_sha256
    )

)

select * from renamed
