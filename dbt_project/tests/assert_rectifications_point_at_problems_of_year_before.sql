-- Every rectification in a current workbook of year N accounts for a problem identified in
-- year N - 1 (current batch).

with

rectifications as (

    select * from {{ ref('stg_ingest__rectifications') }}

),

problems as (

    select * from {{ ref('stg_ingest__problems') }}

)

select
    rectifications.problem_id,
    rectifications.report_year,
    rectifications.source_file,
    rectifications.source_row_number
from rectifications
left join problems
    on
        rectifications.problem_id = problems.problem_id
        and rectifications.report_year = problems.identified_year + 1
where problems.problem_id is null
