-- Current state of every finding: its row in the latest export (highest export_order).
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
        finding_states.inspection_date,
        finding_states.inspection_type,
        finding_states.region_code,
        finding_states.category_code,
        finding_states.severity,
        finding_states.linked_problem_id,
        finding_states.finding_status as status,
        finding_states.accountability_action,
        cast(finding_states.persons_held_accountable as integer)
            as persons_held_accountable,
        finding_states.first_seen_file,
        finding_states.last_seen_file
    from finding_states
    where finding_states.is_current

)

select * from final
