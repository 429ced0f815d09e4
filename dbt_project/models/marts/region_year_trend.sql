-- One row per region and reporting year (every region in that year's roster or
-- evaluation), with the year's evaluation and how the region did on what was due.
-- Incremental by year (macros/rebuild_years.sql): an incremental build computes the
-- rebuilt years and the year before each (score_change and fulfilment_rate_change read
-- it), reading only those years of its inputs.

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_years',
        on_schema_change='fail',
        meta={'partition_year_column': 'year'},
    )
}}

with

officials as (

    select * from {{ ref('stg_ingest__officials') }}
    where {{ rebuild_years_filter('report_year', lookback=1) }}

),

evaluations as (

    select * from {{ ref('fct_evaluation') }}
    where {{ rebuild_years_filter('year', lookback=1) }}

),

commitments as (

    select * from {{ ref('fct_commitment') }}

),

problems as (

    select * from {{ ref('fct_problem') }}

),

findings as (

    select * from {{ ref('fct_inspection_finding') }}

),

region_years as (

    select
        officials.region_code,
        officials.report_year as year
    from officials
    union
    select
        evaluations.region_code,
        evaluations.year
    from evaluations

),

-- commitments made the year before and due this year; only those whose target
-- year's report has loaded (outcome_status not null) count in the rate
commitments_due as (

    select
        commitments.region_code,
        commitments.target_year as year,
        count(*) as commitments_due,
        count(commitments.outcome_status) as commitments_resolved,
        sum(case when commitments.outcome_status = 'fulfilled' then 1 else 0 end)
            as commitments_fulfilled
    from commitments
    where {{ rebuild_years_filter('commitments.target_year', lookback=1) }}
    group by
        commitments.region_code,
        commitments.target_year

),

problems_identified as (

    select
        problems.region_code,
        problems.identified_year as year,
        count(*) as problems_identified,
        sum(case when problems.is_repeat then 1 else 0 end) as repeat_problems
    from problems
    where {{ rebuild_years_filter('problems.identified_year', lookback=1) }}
    group by
        problems.region_code,
        problems.identified_year

),

-- last year's problems, rectified according to this year's report
problems_rectified as (

    select
        problems.region_code,
        problems.identified_year + 1 as year,
        sum(
            case when problems.rectification_status = 'rectified' then 1 else 0 end
        ) as problems_rectified
    from problems
    where {{ rebuild_years_filter('problems.identified_year + 1', lookback=1) }}
    group by
        problems.region_code,
        problems.identified_year

),

findings_by_year as (

    select
        findings.region_code,
        extract(year from findings.inspection_date) as year,
        count(*) as inspection_findings,
        sum(coalesce(findings.persons_held_accountable, 0))
            as persons_held_accountable
    from findings
    where
        findings.inspection_date is not null
        and {{ rebuild_years_filter('extract(year from findings.inspection_date)', lookback=1) }}
    group by
        findings.region_code,
        extract(year from findings.inspection_date)

),

joined as (

    select
        region_years.region_code,
        region_years.year,
        evaluations.rating,
        evaluations.score,
        coalesce(commitments_due.commitments_due, 0) as commitments_due,
        case
            when commitments_due.commitments_resolved > 0
                then
                    cast(commitments_due.commitments_fulfilled as double)
                    / commitments_due.commitments_resolved
        end as fulfilment_rate,
        coalesce(problems_identified.problems_identified, 0) as problems_identified,
        coalesce(problems_rectified.problems_rectified, 0) as problems_rectified,
        coalesce(problems_identified.repeat_problems, 0) as repeat_problems,
        coalesce(findings_by_year.inspection_findings, 0) as inspection_findings,
        coalesce(findings_by_year.persons_held_accountable, 0)
            as persons_held_accountable
    from region_years
    left join evaluations
        on
            region_years.region_code = evaluations.region_code
            and region_years.year = evaluations.year
    left join commitments_due
        on
            region_years.region_code = commitments_due.region_code
            and region_years.year = commitments_due.year
    left join problems_identified
        on
            region_years.region_code = problems_identified.region_code
            and region_years.year = problems_identified.year
    left join problems_rectified
        on
            region_years.region_code = problems_rectified.region_code
            and region_years.year = problems_rectified.year
    left join findings_by_year
        on
            region_years.region_code = findings_by_year.region_code
            and region_years.year = findings_by_year.year

),

final as (

    select
        joined.region_code,
        cast(joined.year as integer) as year,
        joined.rating,
        joined.score,
        -- vs the year before exactly: NULL for a region's first year (or after a gap).
        -- Subtracted as decimals, as a person would: 88.3 - 85.1 is 3.2, where doubles
        -- give 3.1999999999999886 (scores carry at most 6 decimal places)
        cast(
            cast(joined.score as decimal(18, 6))
            - cast(previous_year.score as decimal(18, 6)) as double
        ) as score_change,
        cast(joined.commitments_due as integer) as commitments_due,
        joined.fulfilment_rate,
        joined.fulfilment_rate - previous_year.fulfilment_rate
            as fulfilment_rate_change,
        cast(joined.problems_identified as integer) as problems_identified,
        cast(joined.problems_rectified as integer) as problems_rectified,
        cast(joined.repeat_problems as integer) as repeat_problems,
        cast(joined.inspection_findings as integer) as inspection_findings,
        cast(joined.persons_held_accountable as integer) as persons_held_accountable
    from joined
    left join joined as previous_year
        on
            joined.region_code = previous_year.region_code
            and joined.year - 1 = previous_year.year
    where {{ rebuild_years_filter('joined.year') }}

)

select * from final
