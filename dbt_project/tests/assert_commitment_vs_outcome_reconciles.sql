-- commitment_vs_outcome adds up to fct_commitment: every commitment counted once, and the
-- outcome counts add up to the commitments once the target year's report has loaded.

with

totals as (

    select
        sum(commitment_vs_outcome.commitments) as commitments,
        sum(
            commitment_vs_outcome.fulfilled
            + commitment_vs_outcome.partial
            + commitment_vs_outcome.unfulfilled
            + commitment_vs_outcome.not_reported
        ) as resolved
    from {{ ref('commitment_vs_outcome') }} as commitment_vs_outcome

),

facts as (

    select
        count(*) as commitments,
        count(fct_commitment.outcome_status) as resolved
    from {{ ref('fct_commitment') }} as fct_commitment

)

select
    totals.commitments as cvo_commitments,
    facts.commitments as fct_commitments,
    totals.resolved as cvo_resolved,
    facts.resolved as fct_resolved
from totals
cross join facts
where
    coalesce(totals.commitments, 0) != facts.commitments
    or coalesce(totals.resolved, 0) != facts.resolved
