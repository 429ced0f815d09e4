{#- Fails for every one of `columns` that holds a null, with the number of such rows: the
    not_null test of several columns in one scan of the model and one test node (dbt spends
    about 40 ms on each node, whatever its query). -#}
{% test not_null_columns(model, columns) %}

select
    null_count.null_column,
    null_count.null_rows
from (
    select
        unnest(['{{ columns | join("', '") }}']) as null_column,
        unnest([{{ null_counts(columns) }}]) as null_rows
    from {{ model }}
) as null_count
where null_count.null_rows > 0

{% endtest %}
