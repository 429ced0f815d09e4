-- The accepted-value seeds this model's relationship tests read: built first (Cosmos
-- renders one task per model, ordered by these dependencies).
-- depends_on: {{ ref('outcome_statuses') }}

with

source as (

    select * from {{ source('ingest_raw', 'commitment_outcomes') }}

),

current_batches as (

    {{ current_report_files() }}

),

renamed as (

    select

        ---------- ids
        source.commitment_id,
        source.region_code,

        ---------- text
        source.outcome_status,
        source.outcome_unit,
        source.note as outcome_note,

        ---------- numerics
        source.outcome_value,

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
