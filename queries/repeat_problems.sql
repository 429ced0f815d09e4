-- Problems of a category the same region already had the year before.
select
    problem.region_code,
    region.region_name,
    problem.identified_year,
    category.category_name_zh,
    problem.problem_id,
    problem.source,
    problem.rectification_status
from marts.fct_problem as problem
inner join marts.dim_region as region on problem.region_code = region.region_code
inner join marts.dim_category as category on problem.category_code = category.category_code
where problem.is_repeat
order by problem.region_code, problem.identified_year, problem.problem_id
