with

categories as (

    select * from {{ ref('categories') }}

),

final as (

    select
        categories.category_code,
        categories.category_name_zh,
        categories.category_name_en
    from categories

)

select * from final
