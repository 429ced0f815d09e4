-- Fulfilment rate of commitments by province and the year they were made.
-- Only commitments whose target year's report has loaded count (open ones have no status);
-- not_reported counts as not fulfilled.
select
    region.province_code,
    region.province_name,
    cvo.made_year,
    sum(cvo.commitments) as commitments,
    sum(cvo.fulfilled) as fulfilled,
    round(sum(cvo.fulfilled) / sum(cvo.commitments), 4) as fulfilment_rate
from marts.commitment_vs_outcome as cvo
inner join marts.dim_region as region on cvo.region_code = region.region_code
where cvo.fulfilment_rate is not null
group by all
order by region.province_code, cvo.made_year
