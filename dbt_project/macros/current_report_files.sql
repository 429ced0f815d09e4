{% macro current_report_files() -%}
    {#- The sha256 of every report workbook that is the current batch of its province-year
        (audit.source_files.status = 'loaded'); superseded batches are left out. -#}
    select source_files.sha256 as file_sha256
    from {{ source('ingest_audit', 'source_files') }} as source_files
    where
        source_files.kind = 'report_workbook'
        and source_files.status = 'loaded'
{%- endmacro %}
