-- Inspection findings (current state) that led to someone being held accountable.
select
    finding.finding_id,
    finding.inspection_date,
    finding.region_code,
    region.region_name,
    finding.inspection_type,
    finding.severity,
    finding.accountability_action,
    finding.persons_held_accountable,
    finding.status,
    finding.last_seen_file
from marts.fct_inspection_finding as finding
inner join marts.dim_region as region on finding.region_code = region.region_code
where finding.accountability_action <> 'none'
order by finding.inspection_date, finding.finding_id
