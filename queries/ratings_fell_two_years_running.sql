-- Secretaries whose evaluation score fell two years running while they were in office.
with falls as (
    select
        trend.region_code,
        trend.year,
        trend.score,
        trend.score_change,
        lag(trend.score_change) over (
            partition by trend.region_code order by trend.year
        ) as previous_change,
        lag(trend.year) over (partition by trend.region_code order by trend.year) as previous_year
    from marts.region_year_trend as trend
)

select
    falls.region_code,
    official.official_name,
    falls.year,
    falls.score,
    round(falls.previous_change, 2) as previous_change,
    round(falls.score_change, 2) as score_change
from falls
inner join marts.dim_official as official
    on
        falls.region_code = official.region_code
        and falls.year - 1 >= official.valid_from_year
        and falls.year <= coalesce(official.valid_to_year, falls.year)
where
    falls.score_change < 0
    and falls.previous_change < 0
    and falls.previous_year = falls.year - 1
order by falls.region_code, falls.year
