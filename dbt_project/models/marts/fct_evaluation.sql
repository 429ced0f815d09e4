-- Incremental by year: var rebuild_years, strategy replace_years (macros/rebuild_years.sql).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_years',
        on_schema_change='fail',
        meta={'partition_year_column': 'year'},
    )
}}

with

evaluations as (

    select * from {{ ref('stg_ingest__evaluations') }}
    where {{ rebuild_years_filter('report_year') }}

),

final as (

    select
        evaluations.region_code,
        cast(evaluations.report_year as integer) as year,
        evaluations.rating,
        evaluations.score,
        evaluations.approval_rate,
        cast(evaluations.critique_count as integer) as critique_count,
        -- additive lineage (after the published contract's columns): the evaluation's row
        evaluations.source_file,
        evaluations.source_sheet,
        cast(evaluations.source_row_number as integer) as source_row_number
    from evaluations

)

select * from final
