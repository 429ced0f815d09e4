-- One row per reporting year with at least one current-batch workbook loaded.

with

province_years_loaded as (

    select * from {{ ref('int_province_years_loaded') }}

),

{% set workbook_models = [
    'stg_ingest__officials',
    'stg_ingest__commitments',
    'stg_ingest__commitment_outcomes',
    'stg_ingest__problems',
    'stg_ingest__rectifications',
    'stg_ingest__evaluations',
] -%}

template_versions as (

    {% for workbook_model in workbook_models %}
        select distinct
            report_year,
            template_version
        from {{ ref(workbook_model) }}
        {% if not loop.last %}union{% endif %}
    {% endfor %}

),

years as (

    select distinct province_years_loaded.report_year
    from province_years_loaded

),

final as (

    select
        cast(years.report_year as integer) as year,
        -- one version per year (singular test assert_one_template_version_per_year)
        min(template_versions.template_version) as template_version
    from years
    left join template_versions
        on years.report_year = template_versions.report_year
    group by years.report_year

)

select * from final
