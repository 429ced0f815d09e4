-- Problems identified in year N with the rectification reported in year N + 1's workbook
-- of the same province ('not_reported' once it has loaded, NULL before), and is_repeat:
-- the same region had a problem of the same category in year N - 1.

with

problems as (

    select * from {{ ref('stg_ingest__problems') }}

),

rectifications as (

    select * from {{ ref('stg_ingest__rectifications') }}

),

province_years_loaded as (

    select * from {{ ref('int_province_years_loaded') }}

),

region_categories_by_year as (

    select distinct
        problems.region_code,
        problems.category_code,
        problems.identified_year
    from problems

),

joined as (

    select
        problems.problem_id,
        problems.identified_year,
        problems.region_code,
        problems.province_code,
        problems.problem_source,
        problems.category_code,
        rectifications.rectification_status as reported_rectification_status,
        rectifications.completed_date,
        province_years_loaded.report_year is not null as is_next_report_loaded,
        previous_year.region_code is not null as is_repeat,
        problems.source_file,
        rectifications.source_file as rectification_source_file,
        problems.source_sheet,
        problems.source_row_number
    from problems
    left join rectifications
        on
            problems.problem_id = rectifications.problem_id
            and problems.identified_year + 1 = rectifications.report_year
    left join province_years_loaded
        on
            problems.province_code = province_years_loaded.province_code
            and problems.identified_year + 1 = province_years_loaded.report_year
    left join region_categories_by_year as previous_year
        on
            problems.region_code = previous_year.region_code
            and problems.category_code = previous_year.category_code
            and problems.identified_year - 1 = previous_year.identified_year

),

final as (

    select
        joined.*,
        case
            when joined.reported_rectification_status is not null
                then joined.reported_rectification_status
            when joined.is_next_report_loaded then 'not_reported'
        end as rectification_status,
        case
            when joined.reported_rectification_status = 'rectified'
                then joined.completed_date
        end as rectified_date
    from joined

)

select * from final
