-- The lineage columns of fct_commitment, fct_problem and fct_evaluation (source_file,
-- source_sheet, source_row_number) name a row of the current batch of the raw sheet, and
-- that row holds the mart row's key (commitment_id; problem_id and year; region_code and
-- year). In an incremental build, over the rebuilt years.

with

raw_commitments as (

    select * from {{ source('ingest_raw', 'commitments') }} as source
    where {{ in_current_batch('source') }}

),

raw_problems as (

    select * from {{ source('ingest_raw', 'problems') }} as source
    where {{ in_current_batch('source') }}

),

raw_evaluations as (

    select * from {{ source('ingest_raw', 'evaluations') }} as source
    where {{ in_current_batch('source') }}

),

commitments as (

    select * from {{ ref('fct_commitment') }}
    where {{ rebuild_years_test_filter('made_year') }}

),

problems as (

    select * from {{ ref('fct_problem') }}
    where {{ rebuild_years_test_filter('identified_year') }}

),

evaluations as (

    select * from {{ ref('fct_evaluation') }}
    where {{ rebuild_years_test_filter('year') }}

),

failures as (

    select
        'fct_commitment' as mart,
        commitments.commitment_id as id
    from commitments
    left join raw_commitments
        on
            commitments.source_file = raw_commitments.source_file
            and commitments.source_sheet = raw_commitments.sheet
            and commitments.source_row_number = raw_commitments.row_number
            and commitments.commitment_id = raw_commitments.commitment_id
            and commitments.made_year = raw_commitments.report_year
    where raw_commitments.commitment_id is null

    union all

    select
        'fct_problem' as mart,
        problems.problem_id as id
    from problems
    left join raw_problems
        on
            problems.source_file = raw_problems.source_file
            and problems.source_sheet = raw_problems.sheet
            and problems.source_row_number = raw_problems.row_number
            and problems.problem_id = raw_problems.problem_id
            and problems.identified_year = raw_problems.report_year
    where raw_problems.problem_id is null

    union all

    select
        'fct_evaluation' as mart,
        evaluations.region_code || ' ' || cast(evaluations.year as varchar) as id
    from evaluations
    left join raw_evaluations
        on
            evaluations.source_file = raw_evaluations.source_file
            and evaluations.source_sheet = raw_evaluations.sheet
            and evaluations.source_row_number = raw_evaluations.row_number
            and evaluations.region_code = raw_evaluations.region_code
            and evaluations.year = raw_evaluations.report_year
    where raw_evaluations.region_code is null

)

select * from failures
