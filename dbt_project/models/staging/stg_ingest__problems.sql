-- The accepted-value seeds this model's relationship tests read: built first (Cosmos
-- renders one task per model, ordered by these dependencies).
-- depends_on: {{ ref('categories') }}
-- depends_on: {{ ref('problem_sources') }}

with

source as (

    select * from {{ source('ingest_raw', 'problems') }}

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
        {{ workbook_lineage('source') }}

    from source
    where {{ in_current_batch('source') }}

)

select * from renamed
