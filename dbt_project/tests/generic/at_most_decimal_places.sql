{#- Fails for every row whose value has more than `places` decimal places: binary noise
    such as 3.1999999999999886 where a person computes 3.2. -#}
{% test at_most_decimal_places(model, column_name, places) %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and round({{ column_name }}, {{ places }}) <> {{ column_name }}

{% endtest %}
