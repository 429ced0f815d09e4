{% macro workbook_lineage(alias) -%}
    {#- The lineage columns every workbook staging model carries, renamed alike. -#}
    {{ alias }}.report_year,
        {{ alias }}.province_code,
        {{ alias }}.province_name,
        {{ alias }}.batch,
        {{ alias }}.template_version,
        {{ alias }}.source_file,
        {{ alias }}.file_sha256,
        {{ alias }}.sheet as source_sheet,
        {{ alias }}.row_number as source_row_number,
        {{ alias }}.run_id as load_run_id
{%- endmacro %}

{% macro in_current_batch(alias) -%}
    {#- True for a row of a workbook that is the current batch of its province-year. -#}
    {{ alias }}.file_sha256 in ({{ current_report_files() }})
{%- endmacro %}
