-- One row per region, described by the latest roster (述职对象) that mentions it.

with

officials as (

    select * from {{ ref('stg_ingest__officials') }}

),

roster_rows_by_recency as (

    select
        officials.*,
        row_number() over (
            partition by officials.region_code
            order by officials.report_year desc
        ) as recency_rank
    from officials

),

regions as (

    select * from roster_rows_by_recency
    where recency_rank = 1

),

final as (

    select
        regions.region_code,
        regions.region_name,
        regions.region_level as level,
        regions.parent_code,
        regions.province_code,
        regions.province_name,
        case regions.region_level
            when 'city' then regions.region_code
            when 'county' then regions.parent_code
            -- a township's city is its county's parent; GB/T 2260 prefix if the
            -- county never appeared in a roster
            when 'township' then coalesce(
                parents.parent_code,
                {{ dbt.concat(["substring(regions.parent_code, 1, 4)", "'00'"]) }}
            )
        end as city_code
    from regions
    left join regions as parents
        on regions.parent_code = parents.region_code

)

select * from final
