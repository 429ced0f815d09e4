{% macro rebuild_years_test_filter(column) -%}
    {#- The `where` of a data test on an intermediate view or a staging model: in a build
        with rebuild_years set (and no --full-refresh) only the rebuilt years are computed,
        so only they are tested (the marts' own tests still read every row); `true`
        otherwise. -#}
    {%- set years = rebuild_years() -%}
    {%- if flags.FULL_REFRESH or years is none -%}
        true
    {%- elif years | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({{ years | join(', ') }})
    {%- endif -%}
{%- endmacro %}


{% macro get_where_subquery(relation) -%}
    {#- dbt's `where` config of a data test, plus one form: `where: "rebuild_years:<column>"`
        filters with rebuild_years_test_filter(<column>) (a test config cannot call a
        project macro itself). -#}
    {%- set where = config.get('where') -%}
    {%- if where and where.startswith('rebuild_years:') -%}
        {%- set where = rebuild_years_test_filter(where.split(':', 1)[1] | trim) -%}
    {%- endif -%}
    {%- if where -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
