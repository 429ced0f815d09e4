-- outcome_status is NULL (still open) exactly when the target year's report of the
-- commitment's province has not loaded; rectification_status likewise for problems.
-- In an incremental build, over the years it rebuilds (what the intermediate views compute).

with

province_years_loaded as (

    select * from {{ ref('int_province_years_loaded') }}

),

commitments as (

    select * from {{ ref('int_commitments_joined_to_outcomes') }}
    where {{ rebuild_years_test_filter('made_year') }}

),

problems as (

    select * from {{ ref('int_problems_joined_to_rectifications') }}
    where {{ rebuild_years_test_filter('identified_year') }}

),

failures as (

    select
        'commitment' as kind,
        commitments.commitment_id as id
    from commitments
    left join province_years_loaded
        on
            commitments.province_code = province_years_loaded.province_code
            and commitments.target_year = province_years_loaded.report_year
    where
        (commitments.outcome_status is null)
        != (province_years_loaded.report_year is null)

    union all

    select
        'problem' as kind,
        problems.problem_id as id
    from problems
    left join province_years_loaded
        on
            problems.province_code = province_years_loaded.province_code
            and problems.identified_year + 1 = province_years_loaded.report_year
    where
        (problems.rectification_status is null)
        != (province_years_loaded.report_year is null)

)

select * from failures
