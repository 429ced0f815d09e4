-- dim_official: a region's spans never overlap, and exactly one span per region is current.

with

officials as (

    select * from {{ ref('dim_official') }}

),

overlapping_spans as (

    select
        earlier.region_code,
        earlier.official_key
    from officials as earlier
    inner join officials as later
        on
            earlier.region_code = later.region_code
            and earlier.valid_from_year < later.valid_from_year
            and (
                earlier.valid_to_year is null
                or earlier.valid_to_year >= later.valid_from_year
            )

),

current_spans as (

    select
        officials.region_code,
        sum(case when officials.is_current then 1 else 0 end) as current_count,
        sum(case when officials.valid_to_year is null then 1 else 0 end) as open_count
    from officials
    group by officials.region_code

)

select
    overlapping_spans.region_code,
    overlapping_spans.official_key as detail
from overlapping_spans

union all

select
    current_spans.region_code,
    'current spans: ' || cast(current_spans.current_count as varchar) as detail
from current_spans
where current_spans.current_count != 1 or current_spans.open_count != 1
