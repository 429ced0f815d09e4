"""Stand-in for dbt's `flags`, for sqlfluff's jinja templater only (see dbt.py): the macros
read `flags.FULL_REFRESH`."""

FULL_REFRESH = False
