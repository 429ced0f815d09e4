-- All current workbooks of a reporting year use the same template version, so
-- dim_year.template_version is well defined.

{% set workbook_models = [
    'stg_ingest__officials',
    'stg_ingest__commitments',
    'stg_ingest__commitment_outcomes',
    'stg_ingest__problems',
    'stg_ingest__rectifications',
    'stg_ingest__evaluations',
] -%}

with

template_versions as (

    {% for workbook_model in workbook_models %}
        select distinct
            report_year,
            template_version
        from {{ ref(workbook_model) }}
        {% if not loop.last %}union{% endif %}
    {% endfor %}

)

select
    template_versions.report_year,
    count(*) as versions
from template_versions
group by template_versions.report_year
having count(*) > 1
