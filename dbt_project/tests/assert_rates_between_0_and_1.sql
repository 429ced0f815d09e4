-- Every rate and share in the marts lies within 0..1.

with

failures as (

    select
        'commitment_vs_outcome.fulfilment_rate' as rate_name,
        commitment_vs_outcome.fulfilment_rate as rate_value
    from {{ ref('commitment_vs_outcome') }} as commitment_vs_outcome
    where commitment_vs_outcome.fulfilment_rate not between 0 and 1

    union all

    select
        'region_year_trend.fulfilment_rate' as rate_name,
        region_year_trend.fulfilment_rate as rate_value
    from {{ ref('region_year_trend') }} as region_year_trend
    where region_year_trend.fulfilment_rate not between 0 and 1

    union all

    select
        'region_year_trend.fulfilment_rate_change' as rate_name,
        region_year_trend.fulfilment_rate_change as rate_value
    from {{ ref('region_year_trend') }} as region_year_trend
    where region_year_trend.fulfilment_rate_change not between -1 and 1

    union all

    select
        'fct_evaluation.approval_rate' as rate_name,
        fct_evaluation.approval_rate as rate_value
    from {{ ref('fct_evaluation') }} as fct_evaluation
    where fct_evaluation.approval_rate not between 0 and 1

    union all

    select
        'fct_evaluation.score' as rate_name,
        fct_evaluation.score as rate_value
    from {{ ref('fct_evaluation') }} as fct_evaluation
    where fct_evaluation.score not between 0 and 100

)

select * from failures
