-- The accepted-value seeds this model's relationship tests read: built first (Cosmos
-- renders one task per model, ordered by these dependencies).
-- depends_on: {{ ref('ratings') }}

with

source as (

    select * from {{ source('ingest_raw', 'evaluations') }}

),

renamed as (

    select

        ---------- ids
        source.region_code,

        ---------- text
        source.rating,

        ---------- numerics
        source.score,
        source.approval_rate,
        source.critique_count,

        ---------- lineage
        {{ workbook_lineage('source') }}

    from source
    where {{ in_current_batch('source') }}

)

select * from renamed
