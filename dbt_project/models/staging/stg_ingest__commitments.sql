-- The accepted-value seeds this model's relationship tests read: built first (Cosmos
-- renders one task per model, ordered by these dependencies).
-- depends_on: {{ ref('categories') }}

with

source as (

    select * from {{ source('ingest_raw', 'commitments') }}

),

renamed as (

    select

        ---------- ids
        source.commitment_id,
        source.region_code,
        source.category_code,

        ---------- text
        source.content as commitment_content,
        source.metric_name,
        source.unit,

        ---------- numerics
        source.target_value,

        ---------- dates
        source.due_date,

        ---------- years
        source.report_year as made_year,
        source.report_year + 1 as target_year,

        ---------- lineage
        {{ workbook_lineage('source') }}

    from source
    where {{ in_current_batch('source') }}

)

select * from renamed
