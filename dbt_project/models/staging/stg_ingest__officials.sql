-- The accepted-value seeds this model's relationship tests read: built first (Cosmos
-- renders one task per model, ordered by these dependencies).
-- depends_on: {{ ref('region_levels') }}

with

source as (

    select * from {{ source('ingest_raw', 'officials') }}

),

renamed as (

    select

        ---------- ids
        source.region_code,
        source.parent_code,

        ---------- text
        source.region_name,
        source.level as region_level,
        trim(source.official_name) as official_name,

        ---------- dates
        source.took_office_date,

        ---------- lineage
        {{ workbook_lineage('source') }}

    from source
    where {{ in_current_batch('source') }}

)

select * from renamed
