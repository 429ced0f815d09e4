-- The accepted-value seeds this model's relationship tests read: built first (Cosmos
-- renders one task per model, ordered by these dependencies).
-- depends_on: {{ ref('rectification_statuses') }}

with

source as (

    select * from {{ source('ingest_raw', 'rectifications') }}

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
        {{ workbook_lineage('source') }}

    from source
    where {{ in_current_batch('source') }}

)

select * from renamed
