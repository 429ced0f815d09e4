-- SCD type 2 over the yearly rosters: one span per continuous tenure of a secretary in a
-- region. Rosters are read in year order per region; a change of name starts a new span,
-- so a secretary who returns later gets a new span (and a new key). The span holding the
-- region's latest roster year is current (valid_to_year NULL).

with

officials as (

    select * from {{ ref('stg_ingest__officials') }}

),

sequenced as (

    select
        officials.region_code,
        officials.official_name,
        officials.took_office_date,
        officials.report_year,
        lag(officials.official_name) over (
            partition by officials.region_code
            order by officials.report_year
        ) as previous_official_name
    from officials

),

numbered as (

    select
        sequenced.*,
        sum(
            case
                when sequenced.previous_official_name = sequenced.official_name then 0
                else 1
            end
        ) over (
            partition by sequenced.region_code
            order by sequenced.report_year
            rows between unbounded preceding and current row
        ) as tenure_number
    from sequenced

),

tenures as (

    select
        numbered.region_code,
        numbered.tenure_number,
        numbered.official_name,
        min(numbered.report_year) as valid_from_year,
        max(numbered.report_year) as last_roster_year
    from numbered
    group by
        numbered.region_code,
        numbered.tenure_number,
        numbered.official_name

),

latest_roster_years as (

    select
        officials.region_code,
        max(officials.report_year) as latest_roster_year
    from officials
    group by officials.region_code

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "tenures.region_code",
            "'|'",
            "tenures.official_name",
            "'|'",
            dbt.safe_cast("tenures.valid_from_year", dbt.type_string()),
        ])) }} as official_key,
        tenures.region_code,
        tenures.official_name,
        first_roster.took_office_date,
        tenures.valid_from_year,
        case
            when tenures.last_roster_year < latest_roster_years.latest_roster_year
                then tenures.last_roster_year
        end as valid_to_year,
        tenures.last_roster_year = latest_roster_years.latest_roster_year as is_current,
        tenures.last_roster_year,
        tenures.tenure_number
    from tenures
    inner join latest_roster_years
        on tenures.region_code = latest_roster_years.region_code
    -- took_office_date as the roster gave it in the first year of the span
    inner join numbered as first_roster
        on
            tenures.region_code = first_roster.region_code
            and tenures.valid_from_year = first_roster.report_year

)

select * from final
