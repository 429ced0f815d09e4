with

evaluations as (

    select * from {{ ref('stg_ingest__evaluations') }}

),

final as (

    select
        evaluations.region_code,
        cast(evaluations.report_year as integer) as year,
        evaluations.rating,
        evaluations.score,
        evaluations.approval_rate,
        cast(evaluations.critique_count as integer) as critique_count
    from evaluations

)

select * from final
