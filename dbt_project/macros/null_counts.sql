{% macro null_counts(columns) -%}
    {#- `count(*) filter (where <column> is null)` for each of `columns`, comma-separated: the
        list the not_null_columns test unnests beside the column names. -#}
    {%- for column in columns -%}
        count(*) filter (where {{ column }} is null){{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
