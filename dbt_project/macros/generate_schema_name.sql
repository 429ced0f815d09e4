{#-
    Use a model's custom schema name as-is (`marts`, not `main_marts`):
    the published contract names schema `marts` exactly.
    Models without a custom schema go to the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
