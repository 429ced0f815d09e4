-- Commitments made in year N (due N + 1) with the outcome reported in year N + 1's
-- workbook of the same province. No outcome: 'not_reported' once that workbook has
-- loaded, NULL (still open) before.

with

commitments as (

    select * from {{ ref('stg_ingest__commitments') }}

),

outcomes as (

    select * from {{ ref('stg_ingest__commitment_outcomes') }}

),

province_years_loaded as (

    select * from {{ ref('int_province_years_loaded') }}

),

joined as (

    select
        commitments.commitment_id,
        commitments.made_year,
        commitments.target_year,
        commitments.region_code,
        commitments.province_code,
        commitments.category_code,
        commitments.metric_name,
        commitments.target_value,
        commitments.unit,
        outcomes.outcome_value,
        outcomes.outcome_unit,
        outcomes.outcome_status as reported_outcome_status,
        province_years_loaded.report_year is not null as is_target_report_loaded,
        commitments.source_file,
        outcomes.source_file as outcome_source_file,
        commitments.source_sheet,
        commitments.source_row_number
    from commitments
    left join outcomes
        on
            commitments.commitment_id = outcomes.commitment_id
            and commitments.target_year = outcomes.report_year
    left join province_years_loaded
        on
            commitments.province_code = province_years_loaded.province_code
            and commitments.target_year = province_years_loaded.report_year

),

final as (

    select
        joined.*,
        case
            when joined.reported_outcome_status is not null
                then joined.reported_outcome_status
            when joined.is_target_report_loaded then 'not_reported'
        end as outcome_status,
        case
            when
                joined.outcome_value is not null
                and joined.target_value is not null
                and joined.target_value <> 0
                then joined.outcome_value / joined.target_value
        end as achievement_ratio
    from joined

)

select * from final
