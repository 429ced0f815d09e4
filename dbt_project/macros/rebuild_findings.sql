{% macro rebuild_findings_from() -%}
    {#- The first export rank (export_order) whose findings an incremental build re-sequences,
        as an int, or none: every finding. From the var `rebuild_findings_from`, else (when
        running) the environment variable EVALWH_REBUILD_FINDINGS_FROM, which is how the
        pipeline passes it (read at run time: no re-parse, as with EVALWH_REBUILD_YEARS).
        evalwh.build_scope.rebuild_findings_from: the lowest rank of a new export. A finding
        with no row ranked that far has exactly the rows a full build gives it (a late
        export moves only the ranks after its own). -#}
    {%- set first = var('rebuild_findings_from', none) -%}
    {%- if first is none and execute -%}
        {%- set first = env_var('EVALWH_REBUILD_FINDINGS_FROM', '') | trim -%}
    {%- endif -%}
    {%- if first is none or first == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if (first | string | trim | int(0)) < 1 -%}
        {{ exceptions.raise_compiler_error("rebuild_findings_from: not an export rank: " ~ first) }}
    {%- endif -%}
    {{ return(first | string | trim | int) }}
{%- endmacro %}


{% macro rebuild_findings_filter(column, exports) -%}
    {#- The predicate int_inspection_findings_sequenced reads the exports with: in a build
        with rebuild_findings_from set (and no --full-refresh), every row of each finding held
        by an export of that rank or later (all of the finding's rows: its state numbers,
        previous status and first and last export are worked out over them); `true`
        otherwise. `exports`: the relation holding finding_id and export_order. -#}
    {%- set first = rebuild_findings_from() -%}
    {%- if flags.FULL_REFRESH or first is none -%}
        true
    {%- else -%}
        {{ column }} in (
            select rebuilt.finding_id from {{ exports }} as rebuilt
            where rebuilt.export_order >= {{ first }}
        )
    {%- endif -%}
{%- endmacro %}


{% macro require_whole_findings_unless_incremental() -%}
    {#- A finding-grained mart reads int_inspection_findings_sequenced, which holds only the
        re-sequenced findings when rebuild_findings_from is set: built whole (not
        incremental) from it, the mart would lose every other finding. Refuse instead. -#}
    {%- if execute and not flags.FULL_REFRESH and not is_incremental()
        and rebuild_findings_from() is not none -%}
        {{ exceptions.raise_compiler_error(
            this ~ " would be built whole from the findings of exports ranked "
            ~ rebuild_findings_from() ~ " and later only: build with --full-refresh"
        ) }}
    {%- endif -%}
{%- endmacro %}


{% macro get_incremental_replace_findings_sql(arg_dict) -%}
    {#- Incremental strategy `replace_findings`: delete the rows of every finding the build
        re-sequenced (every row when rebuild_findings_from is not set) and insert the rebuilt
        rows, in the one transaction of the incremental materialization. Rows are never
        taken away from a finding, so the rebuilt rows name every finding to replace. -#}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    {%- if rebuild_findings_from() is not none %}
        where finding_id in (select rebuilt.finding_id from {{ source }} as rebuilt)
    {%- endif %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
{%- endmacro %}
