"""Stand-ins for dbt's cross-database macros, for sqlfluff's jinja templater only.

sqlfluff (templater = jinja, see /.sqlfluff) loads this directory as `library_path`, so
`{{ dbt.hash(...) }}` renders to plausible DuckDB SQL for linting. dbt itself never reads
this directory and uses its real macros.
"""


def hash(field):
    return f"md5(cast({field} as varchar))"


def concat(fields):
    return " || ".join(fields)


def safe_cast(field, type_):
    return f"try_cast({field} as {type_})"


def type_string():
    return "varchar"


def type_int():
    return "integer"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"
