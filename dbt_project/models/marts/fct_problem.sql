-- Incremental by year: var rebuild_years, strategy replace_years (macros/rebuild_years.sql).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_years',
        on_schema_change='fail',
        meta={'partition_year_column': 'identified_year'},
    )
}}

with

problems as (

    select * from {{ ref('int_problems_joined_to_rectifications') }}
    where {{ rebuild_years_filter('identified_year') }}

),

final as (

    select
        problems.problem_id,
        cast(problems.identified_year as integer) as identified_year,
        problems.region_code,
        problems.problem_source as source,
        problems.category_code,
        problems.rectification_status,
        problems.rectified_date,
        problems.is_repeat,
        -- additive lineage (after the published contract's columns): the problem's own row
        -- in the report that identified it
        problems.source_file,
        problems.source_sheet,
        cast(problems.source_row_number as integer) as source_row_number
    from problems

)

select * from final
