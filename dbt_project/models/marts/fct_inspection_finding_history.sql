-- Every state a finding has been in: one row per finding per export (additive to the
-- published contract).
-- Incremental by finding: strategy replace_findings (macros/rebuild_findings.sql).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_findings',
        on_schema_change='fail',
    )
}}
{{ require_whole_findings_unless_incremental() }}

with

finding_states as (

    select * from {{ ref('int_inspection_findings_sequenced') }}

),

final as (

    select
        finding_states.finding_id,
        cast(finding_states.state_number as integer) as state_number,
        finding_states.export_date,
        cast(finding_states.export_order as integer) as export_order,
        finding_states.inspection_date,
        finding_states.inspection_type,
        finding_states.region_code,
        finding_states.category_code,
        finding_states.severity,
        finding_states.linked_problem_id,
        finding_states.finding_status as status,
        finding_states.previous_status,
        finding_states.is_status_change,
        finding_states.accountability_action,
        cast(finding_states.persons_held_accountable as integer)
            as persons_held_accountable,
        finding_states.is_current,
        finding_states.source_file,
        cast(finding_states.source_row_number as integer) as source_row_number
    from finding_states

)

select * from final
