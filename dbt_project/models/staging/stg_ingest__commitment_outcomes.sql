-- The accepted-value seeds this model's relationship tests read: built first (Cosmos
-- renders one task per model, ordered by these dependencies).
-- depends_on: {{ ref('outcome_statuses') }}

with

source as (

    select * from {{ source('ingest_raw', 'commitment_outcomes') }}

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
        {{ workbook_lineage('source') }}

    from source
    where {{ in_current_batch('source') }}

)

select * from renamed
