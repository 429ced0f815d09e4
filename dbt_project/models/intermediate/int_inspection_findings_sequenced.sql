-- Every state a finding has been in: one row per finding per export, in export order,
-- with the previous export's status and whether this row is the current state
-- (the finding's row in the latest export that holds it). In an incremental build with
-- rebuild_findings_from set, only the findings of the new exports (all of their rows):
-- the finding-grained marts replace just those (macros/rebuild_findings.sql).

with

findings as (

    select * from {{ ref('stg_ingest__inspection_findings') }}
    where {{ rebuild_findings_filter('finding_id', ref('stg_ingest__inspection_findings')) }}

),

sequenced as (

    select
        findings.finding_id,
        findings.region_code,
        findings.category_code,
        findings.linked_problem_id,
        findings.inspection_type,
        findings.severity,
        findings.finding_description,
        findings.finding_status,
        findings.accountability_action,
        findings.persons_held_accountable,
        findings.inspection_date,
        findings.rectify_deadline,
        findings.export_date,
        findings.export_order,
        findings.source_file,
        findings.file_sha256,
        findings.source_row_number,
        findings.load_run_id,
        row_number() over (
            partition by findings.finding_id
            order by findings.export_order
        ) as state_number,
        count(*) over (
            partition by findings.finding_id
        ) as states_total,
        lag(findings.finding_status) over (
            partition by findings.finding_id
            order by findings.export_order
        ) as previous_status,
        first_value(findings.source_file) over (
            partition by findings.finding_id
            order by findings.export_order
            rows between unbounded preceding and unbounded following
        ) as first_seen_file,
        last_value(findings.source_file) over (
            partition by findings.finding_id
            order by findings.export_order
            rows between unbounded preceding and unbounded following
        ) as last_seen_file
    from findings

),

final as (

    select
        sequenced.*,
        sequenced.state_number = sequenced.states_total as is_current,
        coalesce(
            sequenced.previous_status <> sequenced.finding_status, true
        ) as is_status_change
    from sequenced

)

select * from final
