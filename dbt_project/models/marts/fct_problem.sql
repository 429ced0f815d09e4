with

problems as (

    select * from {{ ref('int_problems_joined_to_rectifications') }}

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
        problems.is_repeat
    from problems

)

select * from final
