-- Incremental by year: var rebuild_years, strategy replace_years (macros/rebuild_years.sql).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_years',
        on_schema_change='fail',
        meta={'partition_year_column': 'made_year'},
    )
}}

-- Commitments per region, year made and category, by outcome. fulfilment_rate is
-- fulfilled / commitments; NULL while the commitments are still open (the target year's
-- report has not loaded), since open commitments count in no rate.
--
-- Stored in (made_year, region_code, category_code) order, each rebuilt year's rows together
-- (an incremental build appends the years it replaces): the hash aggregate hands its groups
-- over in no order, and analysts' group-bys over region and year then jump around memory.
-- The example query fulfilment_rate_by_province_and_year took p50 95-97 / p95 110-116 ms on
-- the national file built this way against 113-118 / 129-131 ms; the sort costs the full
-- national build about 1 s, within its noise (docs/performance.md, eighth pass).

with

commitments as (

    select * from {{ ref('fct_commitment') }}
    where {{ rebuild_years_filter('made_year') }}

),

aggregated as (

    select
        commitments.region_code,
        commitments.made_year,
        commitments.category_code,
        count(*) as commitments,
        count(commitments.outcome_status) as commitments_resolved,
        sum(case when commitments.outcome_status = 'fulfilled' then 1 else 0 end)
            as fulfilled,
        sum(case when commitments.outcome_status = 'partial' then 1 else 0 end)
            as partial,
        sum(case when commitments.outcome_status = 'unfulfilled' then 1 else 0 end)
            as unfulfilled,
        sum(case when commitments.outcome_status = 'not_reported' then 1 else 0 end)
            as not_reported
    from commitments
    group by
        commitments.region_code,
        commitments.made_year,
        commitments.category_code

),

final as (

    select
        aggregated.region_code,
        cast(aggregated.made_year as integer) as made_year,
        aggregated.category_code,
        cast(aggregated.commitments as integer) as commitments,
        cast(aggregated.fulfilled as integer) as fulfilled,
        cast(aggregated.partial as integer) as partial,
        cast(aggregated.unfulfilled as integer) as unfulfilled,
        cast(aggregated.not_reported as integer) as not_reported,
        case
            when aggregated.commitments_resolved = aggregated.commitments
                then cast(aggregated.fulfilled as double) / aggregated.commitments
        end as fulfilment_rate
    from aggregated

)

select * from final
order by made_year, region_code, category_code
