-- Regions whose commitments were never accounted for in the next year's report.
select
    commitment.region_code,
    region.region_name,
    region.level,
    commitment.made_year,
    count(*) as not_reported,
    string_agg(commitment.commitment_id, ', ' order by commitment.commitment_id) as commitment_ids
from marts.fct_commitment as commitment
inner join marts.dim_region as region on commitment.region_code = region.region_code
where commitment.outcome_status = 'not_reported'
group by all
order by not_reported desc, commitment.region_code asc, commitment.made_year asc
