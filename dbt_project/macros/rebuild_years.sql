{% macro rebuild_years() -%}
    {#- The var `rebuild_years` as a sorted list of ints, or none when it is not set
        (or null): then every partition is rebuilt. Without the var, the JSON list in the
        environment variable EVALWH_REBUILD_YEARS, read only when running: that is how the
        pipeline passes it, because a new --vars value makes dbt parse the whole project
        again (about 5 s at every build), and an environment variable read at run time does
        not. -#}
    {%- set years = var('rebuild_years', none) -%}
    {%- if years is none and execute -%}
        {%- set from_env = env_var('EVALWH_REBUILD_YEARS', '') | trim -%}
        {%- if from_env -%}
            {%- set years = fromjson(from_env) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if years is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if years is string or years is mapping or years is not iterable -%}
        {{ exceptions.raise_compiler_error(
            "var rebuild_years must be a list of years, not " ~ years
        ) }}
    {%- endif -%}
    {%- set parsed = [] -%}
    {%- for year in years -%}
        {%- if year is not number and not (year is string and year | trim | int(-1) > 0) -%}
            {{ exceptions.raise_compiler_error("rebuild_years: not a year: " ~ year) }}
        {%- endif -%}
        {%- if year | int not in parsed -%}
            {%- do parsed.append(year | int) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(parsed | sort) }}
{%- endmacro %}


{% macro rebuild_years_filter(column, lookback=0) -%}
    {#- A predicate on `column` (a year): `true` in a full build (the model is not
        incremental, or rebuild_years is not set), else `column in (...)` over
        rebuild_years and the `lookback` years before each (for a model that reads the
        year before, e.g. score_change), `false` for an empty list. -#}
    {%- set years = rebuild_years() if is_incremental() else none -%}
    {%- if years is none -%}
        true
    {%- else -%}
        {%- set wanted = [] -%}
        {%- for year in years -%}
            {%- for back in range(lookback + 1) -%}
                {%- if year - back not in wanted -%}
                    {%- do wanted.append(year - back) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if wanted | length == 0 -%}
            false
        {%- else -%}
            {{ column }} in ({{ wanted | sort | join(', ') }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro get_incremental_replace_years_sql(arg_dict) -%}
    {#- Incremental strategy `replace_years`: delete every row of the partitions named by
        rebuild_years (all rows when it is not set) and insert the rebuilt rows of those
        partitions, in the one transaction of the incremental materialization. Deleting by
        the var, not by the years present in the new rows, also empties a partition that
        lost all its rows. The model names its year column in config
        meta.partition_year_column. -#}
    {%- set year_column = (config.get('meta') or {}).get('partition_year_column') -%}
    {%- if not year_column -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy replace_years needs config meta.partition_year_column"
        ) }}
    {%- endif -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ rebuild_years_filter(year_column) }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
    where {{ rebuild_years_filter(year_column) }}
{%- endmacro %}
