-- Every outcome in a current workbook of year N accounts for a commitment made in year N - 1
-- (current batch). An outcome that links to nothing would silently vanish from the marts.

with

outcomes as (

    select * from {{ ref('stg_ingest__commitment_outcomes') }}

),

commitments as (

    select * from {{ ref('stg_ingest__commitments') }}

)

select
    outcomes.commitment_id,
    outcomes.report_year,
    outcomes.source_file,
    outcomes.source_row_number
from outcomes
left join commitments
    on
        outcomes.commitment_id = commitments.commitment_id
        and outcomes.report_year = commitments.made_year + 1
where commitments.commitment_id is null
