with

tenures as (

    select * from {{ ref('int_officials_grouped_into_tenures') }}

),

final as (

    select
        tenures.official_key,
        tenures.region_code,
        tenures.official_name,
        tenures.took_office_date,
        cast(tenures.valid_from_year as integer) as valid_from_year,
        cast(tenures.valid_to_year as integer) as valid_to_year,
        tenures.is_current
    from tenures

)

select * from final
