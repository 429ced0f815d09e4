-- The accepted-value seeds this model's relationship tests read: built first (Cosmos
-- renders one task per model, ordered by these dependencies).
-- depends_on: {{ ref('categories') }}
-- depends_on: {{ ref('inspection_types') }}
-- depends_on: {{ ref('severities') }}
-- depends_on: {{ ref('finding_statuses') }}
-- depends_on: {{ ref('accountability_actions') }}

with

source as (

    select * from {{ source('ingest_raw', 'inspection_findings') }}

),

renamed as (

    select

        ---------- ids
        source.finding_id,
        source.region_code,
        source.category_code,
        source.linked_problem_id,

        ---------- text
        source.inspection_type,
        source.severity,
        source.description as finding_description,
        source.status as finding_status,
        source.accountability_action,

        ---------- numerics
        source.persons_held_accountable,

        ---------- dates
        source.inspection_date,
        source.rectify_deadline,

        ---------- lineage
        source.export_date,
        source.export_order,
        source.source_file,
        source.file_sha256,
        source.row_number as source_row_number,
        source.run_id as load_run_id

    from source

)

select * from renamed
