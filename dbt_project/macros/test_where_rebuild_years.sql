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


{% macro partitioned_mart_test_filter() -%}
    {#- A row-by-row data test (not_null, accepted_values, relationships) on a year-partitioned
        mart (meta.partition_year_column) checks only the rebuilt years in an incremental
        build: the other years are the published rows, built by the same project and tested
        when they were published (the gate checks that they still match the published file).
        Uniqueness and every other test keep reading the whole table. None: no filter. -#}
    {%- set row_tests = ['not_null', 'accepted_values', 'relationships'] -%}
    {%- if execute and model.resource_type == 'test' and model.test_metadata
        and model.test_metadata.name in row_tests and model.attached_node -%}
        {%- set node = graph.nodes.get(model.attached_node) -%}
        {%- set column = node.config.meta.get('partition_year_column') if node else none -%}
        {%- if column -%}
            {{ return(rebuild_years_test_filter(column)) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{% macro get_where_subquery(relation) -%}
    {#- dbt's `where` config of a data test, plus one form: `where: "rebuild_years:<column>"`
        filters with rebuild_years_test_filter(<column>) (a test config cannot call a
        project macro itself); without a `where`, partitioned_mart_test_filter(). -#}
    {%- set where = config.get('where') -%}
    {%- if where and where.startswith('rebuild_years:') -%}
        {%- set where = rebuild_years_test_filter(where.split(':', 1)[1] | trim) -%}
    {%- elif not where -%}
        {%- set where = partitioned_mart_test_filter() -%}
    {%- endif -%}
    {%- if where -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
