-- Incremental by year: var rebuild_years, strategy replace_years (macros/rebuild_years.sql).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_years',
        on_schema_change='fail',
        meta={'partition_year_column': 'made_year'},
    )
}}

with

commitments as (

    select * from {{ ref('int_commitments_joined_to_outcomes') }}
    where {{ rebuild_years_filter('made_year') }}

),

tenures as (

    select * from {{ ref('int_officials_grouped_into_tenures') }}

),

final as (

    select
        commitments.commitment_id,
        cast(commitments.made_year as integer) as made_year,
        cast(commitments.target_year as integer) as target_year,
        commitments.region_code,
        -- the secretary in office for the region in the year the commitment was made
        tenures.official_key,
        commitments.category_code,
        commitments.metric_name,
        commitments.target_value,
        commitments.unit,
        commitments.outcome_value,
        commitments.outcome_status,
        commitments.achievement_ratio,
        commitments.source_file,
        -- additive lineage (after the published contract's columns): the commitment's row
        commitments.source_sheet,
        cast(commitments.source_row_number as integer) as source_row_number
    from commitments
    left join tenures
        on
            commitments.region_code = tenures.region_code
            and commitments.made_year >= tenures.valid_from_year
            and commitments.made_year <= tenures.last_roster_year

)

select * from final
