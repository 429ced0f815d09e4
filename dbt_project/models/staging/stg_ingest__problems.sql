-- The accepted-value seeds this model's relationship tests read: built first (Cosmos
-- renders one task per model, ordered by these dependencies).
-- depends_on: {{ ref('categories') }}
-- depends_on: {{ ref('problem_sources') }}

with

source as (

    select * from {{ source('ingest_raw', 'problems') }}

),

current_batches as (

    {{ current_report_files() }}

),

renamed as (

    select

        ---------- ids
        source.problem_id,
        source.region_code,
        source.category_code,

        ---------- text
        source.source as problem_source,
        source.description as problem_description,

        ---------- dates
        source.rectify_deadline,

        ---------- years
        source.report_year as identified_year,

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
