-- No row from a superseded (or otherwise not current) workbook reaches the marts:
-- every fct_commitment.source_file is a loaded report workbook, and no commitment or
-- problem id that exists only in a non-current batch appears in a mart.

with

source_files as (

    select * from {{ source('ingest_audit', 'source_files') }}

),

current_files as (

    select
        source_files.path,
        source_files.sha256
    from source_files
    where
        source_files.kind = 'report_workbook'
        and source_files.status = 'loaded'

),

raw_commitments as (

    select * from {{ source('ingest_raw', 'commitments') }}

),

raw_problems as (

    select * from {{ source('ingest_raw', 'problems') }}

),

commitment_ids_only_in_old_batches as (

    select raw_commitments.commitment_id
    from raw_commitments
    left join current_files
        on raw_commitments.file_sha256 = current_files.sha256
    group by raw_commitments.commitment_id
    having count(current_files.sha256) = 0

),

problem_ids_only_in_old_batches as (

    select raw_problems.problem_id
    from raw_problems
    left join current_files
        on raw_problems.file_sha256 = current_files.sha256
    group by raw_problems.problem_id
    having count(current_files.sha256) = 0

),

failures as (

    select
        'fct_commitment.source_file not current' as failure,
        fct_commitment.commitment_id as id
    from {{ ref('fct_commitment') }} as fct_commitment
    where
        fct_commitment.source_file not in (
            select current_files.path from current_files
        )

    union all

    select
        'commitment only in a superseded batch' as failure,
        fct_commitment.commitment_id as id
    from {{ ref('fct_commitment') }} as fct_commitment
    inner join commitment_ids_only_in_old_batches
        on fct_commitment.commitment_id = commitment_ids_only_in_old_batches.commitment_id

    union all

    select
        'problem only in a superseded batch' as failure,
        fct_problem.problem_id as id
    from {{ ref('fct_problem') }} as fct_problem
    inner join problem_ids_only_in_old_batches
        on fct_problem.problem_id = problem_ids_only_in_old_batches.problem_id

)

select * from failures
