-- Probabilities per completed run, with Monte Carlo standard errors and 95% Wilson
-- intervals. Every possible outcome label appears, with p = 0 when it never occurred.

create or replace view completed_runs as
select * from runs where status = 'completed';

create or replace view outcome_labels as
with
candidates as (
    select run_id, unnest(candidates) as candidate from completed_runs
),

labels as (
    select run_id, 'electors:' || candidate as label, 'electors' as outcome, candidate
    from candidates
    union all
    select run_id, 'house:' || candidate, 'house', candidate from candidates
    union all
    select run_id, 'no_choice', 'no_choice', null from completed_runs
)

select * from labels;

create or replace view outcome_probabilities as
with
counts as (
    select
        run_id,
        case when outcome = 'no_choice' then 'no_choice' else outcome || ':' || winner end
            as label,
        count(*) as n
    from draws
    group by all
),

joined as (
    select
        l.run_id,
        l.label,
        l.outcome,
        l.candidate,
        coalesce(c.n, 0) as n,
        r.draws
    from outcome_labels as l
    inner join completed_runs as r on l.run_id = r.run_id
    left join counts as c on l.run_id = c.run_id and l.label = c.label
),

final as (
    select
        run_id,
        label,
        outcome,
        candidate,
        n,
        draws,
        n / draws as p,
        sqrt((n / draws) * (1 - n / draws) / draws) as se,
        wilson_low(n, draws) as ci_low,
        wilson_high(n, draws) as ci_high
    from joined
)

select * from final;

create or replace view winner_probabilities as
with
counts as (
    select run_id, winner as candidate, count(*) as n
    from draws
    where winner is not null
    group by all
),

final as (
    select
        r.run_id,
        c.candidate,
        coalesce(w.n, 0) as n,
        r.draws,
        coalesce(w.n, 0) / r.draws as p,
        sqrt((coalesce(w.n, 0) / r.draws) * (1 - coalesce(w.n, 0) / r.draws) / r.draws) as se,
        wilson_low(coalesce(w.n, 0), r.draws) as ci_low,
        wilson_high(coalesce(w.n, 0), r.draws) as ci_high
    from completed_runs as r
    cross join unnest(r.candidates) as c (candidate)
    left join counts as w on r.run_id = w.run_id and c.candidate = w.candidate
)

select * from final;

create or replace view objection_probabilities as
with
counts as (
    select
        run_id,
        state,
        count_if(raised) as n_raised,
        count_if(sustained) as n_sustained,
        -- mean votes when a vote was taken (null under vp-unilateral)
        avg(house_yes) as mean_house_yes,
        avg(house_no) as mean_house_no,
        avg(senate_yes) as mean_senate_yes,
        avg(senate_no) as mean_senate_no
    from objection_votes
    group by all
),

final as (
    select
        c.run_id,
        c.state,
        r.draws,
        c.n_raised,
        c.n_sustained,
        c.n_raised / r.draws as p_raised,
        c.n_sustained / r.draws as p_sustained,
        sqrt((c.n_sustained / r.draws) * (1 - c.n_sustained / r.draws) / r.draws) as se,
        wilson_low(c.n_sustained, r.draws) as ci_low,
        wilson_high(c.n_sustained, r.draws) as ci_high,
        c.mean_house_yes,
        c.mean_house_no,
        c.mean_senate_yes,
        c.mean_senate_no
    from counts as c
    inner join completed_runs as r on c.run_id = r.run_id
)

select * from final;
