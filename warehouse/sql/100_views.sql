-- What users query. Completed runs only; `draws` and `objection_votes` decode the stored
-- rows (codes and per-candidate arrays) into labels and maps. Probabilities are per run and
-- point (a run has one point, 0), with Monte Carlo standard errors and 95% Wilson
-- intervals; every possible outcome label appears, with p = 0 when it never occurred.
-- {OUTCOMES}, {ACTING_PRESIDENT}, {SLATES} and {ANSWER_CODES} are filled in from
-- models.outcomes, models.tally, models.slates and models.remand when the schema is applied.

create or replace view completed_runs as
select * from runs where status = 'completed';

create or replace view completed_points as
select p.*
from sweep_points as p
inner join runs as r on p.run_key = r.run_key
where r.status = 'completed';

create or replace view draws as
select
    p.run_id,
    d.point,
    d.draw,
    {OUTCOMES}[d.outcome + 1] as outcome,
    p.candidates[d.winner + 1] as winner,
    p.vp_candidates[d.vice_president + 1] as vice_president,
    {ACTING_PRESIDENT}[d.acting_president + 1] as acting_president,
    map(p.candidates, d.totals) as totals,
    d.whole_number,
    d.majority_needed,
    d.n_raised,
    d.n_sustained,
    case when d.house_states is not null then map(p.candidates, d.house_states) end
        as house_states
from stored_draws as d
inner join completed_points as p on d.run_key = p.run_key and d.point = p.point;

create or replace view objection_votes as
select
    p.run_id,
    v.point,
    v.draw,
    p.objection_states[v.objection + 1] as state,
    v.raised,
    v.house_yes,
    v.house_no,
    v.senate_yes,
    v.senate_no,
    v.sustained,
    -- the draw re-tallied with this objection's sustained state flipped (null before schema 6)
    {OUTCOMES}[v.flipped_outcome + 1] as flipped_outcome,
    p.candidates[v.flipped_winner + 1] as flipped_winner
from stored_objection_votes as v
inner join completed_points as p on v.run_key = p.run_key and v.point = p.point;

-- The outcome labels in SQL, as models/outcomes.py spells them in Python (outcome_label):
-- 'electors:<candidate>', 'house:<candidate>', 'no_choice'. Keep the two in step.
create or replace view outcome_labels as
with
candidates as (
    select run_id, point, unnest(candidates) as candidate from completed_points
),

labels as (
    select run_id, point, 'electors:' || candidate as label, 'electors' as outcome, candidate
    from candidates
    union all
    select run_id, point, 'house:' || candidate, 'house', candidate from candidates
    union all
    select run_id, point, 'no_choice', 'no_choice', null from completed_points
)

select * from labels;

create or replace view outcome_probabilities as
with
codes as (
    select run_key, point, outcome, winner, count(*) as n
    from stored_draws
    group by all
),

counts as (
    select
        p.run_id,
        p.point,
        case
            when {OUTCOMES}[c.outcome + 1] = 'no_choice' then 'no_choice'
            else {OUTCOMES}[c.outcome + 1] || ':' || p.candidates[c.winner + 1]
        end as label,
        sum(c.n) as n
    from codes as c
    inner join completed_points as p on c.run_key = p.run_key and c.point = p.point
    group by all
),

joined as (
    select
        l.run_id,
        l.point,
        l.label,
        l.outcome,
        l.candidate,
        coalesce(c.n, 0) as n,
        p.draws
    from outcome_labels as l
    inner join completed_points as p on l.run_id = p.run_id and l.point = p.point
    left join counts as c on l.run_id = c.run_id and l.point = c.point and l.label = c.label
),

final as (
    select
        run_id,
        point,
        label,
        outcome,
        candidate,
        n,
        draws,
        n / draws as p,
        mc_se(n, draws) as se,
        wilson_low(n, draws) as ci_low,
        wilson_high(n, draws) as ci_high
    from joined
)

select * from final;

create or replace view winner_probabilities as
with
codes as (
    select run_key, point, winner, count(*) as n
    from stored_draws
    where winner is not null
    group by all
),

counts as (
    select p.run_id, p.point, p.candidates[c.winner + 1] as candidate, c.n
    from codes as c
    inner join completed_points as p on c.run_key = p.run_key and c.point = p.point
),

final as (
    select
        p.run_id,
        p.point,
        u.candidate,
        coalesce(w.n, 0) as n,
        p.draws,
        coalesce(w.n, 0) / p.draws as p,
        mc_se(coalesce(w.n, 0), p.draws) as se,
        wilson_low(coalesce(w.n, 0), p.draws) as ci_low,
        wilson_high(coalesce(w.n, 0), p.draws) as ci_high
    from completed_points as p
    cross join unnest(p.candidates) as u (candidate)
    left join counts as w
        on p.run_id = w.run_id and p.point = w.point and u.candidate = w.candidate
)

select * from final;

create or replace view objection_probabilities as
with
codes as (
    select
        run_key,
        point,
        objection,
        count_if(raised) as n_raised,
        count_if(sustained) as n_sustained,
        -- mean votes when a vote was taken (null under vp-unilateral)
        avg(house_yes) as mean_house_yes,
        avg(house_no) as mean_house_no,
        avg(senate_yes) as mean_senate_yes,
        avg(senate_no) as mean_senate_no
    from stored_objection_votes
    group by all
),

final as (
    select
        p.run_id,
        p.point,
        p.objection_states[c.objection + 1] as state,
        p.draws,
        c.n_raised,
        c.n_sustained,
        c.n_raised / p.draws as p_raised,
        c.n_sustained / p.draws as p_sustained,
        mc_se(c.n_sustained, p.draws) as se,
        wilson_low(c.n_sustained, p.draws) as ci_low,
        wilson_high(c.n_sustained, p.draws) as ci_high,
        c.mean_house_yes,
        c.mean_house_no,
        c.mean_senate_yes,
        c.mean_senate_no
    from codes as c
    inner join completed_points as p on c.run_key = p.run_key and c.point = p.point
)

select * from final;

-- What drives the outcome (issue 15). Every stored objection row carries the draw's outcome
-- and President when that objection's sustained state is flipped, everything else in the
-- draw unchanged (models/pivotal.py). `objection_flips` counts the draws per objection,
-- sustained state, label and flipped label (flipped_label null for rows stored before
-- schema 6); `pivotal_objections` says how often a flip changes the label,
-- `pivotal_transitions` from which label to which, and `conditional_probabilities` what
-- follows when an objection is sustained. Completed runs only, like every view here.

create or replace view objection_flips as
with
codes as (
    select
        p.run_id,
        v.run_key,
        v.point,
        v.objection,
        v.sustained,
        d.outcome,
        d.winner,
        v.flipped_outcome,
        v.flipped_winner,
        count(*) as n
    from completed_points as p
    inner join stored_objection_votes as v on p.run_key = v.run_key and p.point = v.point
    inner join stored_draws as d
        on v.run_key = d.run_key and v.point = d.point and v.draw = d.draw
    group by all
),

final as (
    select
        c.run_id,
        c.point,
        p.objection_states[c.objection + 1] as state,
        c.sustained,
        outcome_label({OUTCOMES}[c.outcome + 1], p.candidates[c.winner + 1]) as label,
        case
            when c.flipped_outcome is not null
                then outcome_label(
                    {OUTCOMES}[c.flipped_outcome + 1], p.candidates[c.flipped_winner + 1]
                )
        end as flipped_label,
        c.n
    from codes as c
    inner join completed_points as p on c.run_key = p.run_key and c.point = p.point
)

select * from final;

-- Per objection: in how many draws flipping it changes the outcome label (n), sustaining it
-- where it was not (n_if_sustained) or overruling it where it was (n_if_overruled); p and
-- p_if_* are shares of all the point's draws. Every count, p, se and interval is null for
-- a run stored (even in part: a sweep resumed across the upgrade) before schema 6.
create or replace view pivotal_objections as
with
codes as (
    select
        run_key,
        point,
        objection,
        count(*) as draws,
        count(*) filter (where changes_outcome is null) = 0 as known,
        count_if(changes_outcome) as n_changed,
        count_if(changes_outcome and not sustained) as n_sustain,
        count_if(changes_outcome and sustained) as n_overrule
    from stored_objection_votes
    group by all
),

counted as (
    select p.run_id, p.point, p.objection_states[c.objection + 1] as state, c.* exclude (run_key, point, objection)
    from codes as c
    inner join completed_points as p on c.run_key = p.run_key and c.point = p.point
),

final as (
    select
        run_id,
        point,
        state,
        draws,
        case when known then n_changed end as n,
        case when known then n_changed / draws end as p,
        case when known then mc_se(n_changed, draws) end as se,
        case when known then wilson_low(n_changed, draws) end as ci_low,
        case when known then wilson_high(n_changed, draws) end as ci_high,
        case when known then n_sustain end as n_if_sustained,
        case when known then n_overrule end as n_if_overruled,
        case when known then n_sustain / draws end as p_if_sustained,
        case when known then n_overrule / draws end as p_if_overruled
    from counted
)

select * from final;

-- Per objection and direction ('sustain': the draws where it was not sustained, re-tallied
-- with it sustained; 'overrule': the reverse), the draws whose label goes from from_label to
-- to_label (equal when the flip changes nothing), as a share of all the point's draws (p)
-- and of the draws of that direction with that from_label (p_from). Only transitions that
-- occur; none for a run stored before schema 6.
create or replace view pivotal_transitions as
with
counted as (
    select
        f.run_id,
        f.point,
        f.state,
        case when f.sustained then 'overrule' else 'sustain' end as direction,
        f.label as from_label,
        f.flipped_label as to_label,
        sum(f.n) as n
    from objection_flips as f
    where f.flipped_label is not null
    group by all
),

final as (
    select
        c.run_id,
        c.point,
        c.state,
        c.direction,
        c.from_label,
        c.to_label,
        c.from_label <> c.to_label as changed,
        c.n,
        p.draws,
        c.n / p.draws as p,
        mc_se(c.n, p.draws) as se,
        c.n / sum(c.n) over (
            partition by c.run_id, c.point, c.state, c.direction, c.from_label
        ) as p_from
    from counted as c
    inner join completed_points as p on c.run_id = p.run_id and c.point = p.point
)

select * from final;

-- Given an objection sustained (given_draws: the draws where it was), the probability of
-- each outcome label (quantity 'outcome', key: every label, p = 0 when never) and of each
-- other objection being sustained too (quantity 'sustained', key: its state): n of the
-- given draws, p = n / given_draws, se; p and se null when it is never sustained.
-- Scales with the run, not the warehouse (issue 17): every step carries run_id and joins on
-- it, and `sustained` is inlined where it is read (not materialized once for all runs), so
-- a `where run_id = ...` reaches the stored_* scans as a filter on the run's key (checked
-- by tests/warehouse/test_run_scaling.py).
create or replace view conditional_probabilities as
with
objections as (
    select
        run_id,
        run_key,
        point,
        unnest(objection_states) as state,
        unnest(range(len(objection_states))) as objection
    from completed_points
),

sustained as not materialized (
    select p.run_id, v.run_key, v.point, v.draw, v.objection
    from completed_points as p
    inner join stored_objection_votes as v on p.run_key = v.run_key and p.point = v.point
    where v.sustained
),

given_counts as (
    select run_id, run_key, point, objection, count(*) as given_draws
    from sustained
    group by all
),

given as (
    select
        o.run_id,
        o.run_key,
        o.point,
        o.state,
        o.objection,
        coalesce(c.given_draws, 0) as given_draws
    from objections as o
    left join given_counts as c
        on o.run_id = c.run_id and o.point = c.point and o.objection = c.objection
),

outcome_codes as (  -- the draws by run too: filtered by the run's key even when none is given
    select s.run_id, s.run_key, s.point, s.objection, d.outcome, d.winner, count(*) as n
    from sustained as s
    inner join completed_points as p on s.run_id = p.run_id and s.point = p.point
    inner join stored_draws as d
        on p.run_key = d.run_key and p.point = d.point and s.draw = d.draw
    group by all
),

outcome_counts as (
    select
        c.run_id,
        c.point,
        c.objection,
        outcome_label({OUTCOMES}[c.outcome + 1], p.candidates[c.winner + 1]) as label,
        sum(c.n) as n
    from outcome_codes as c
    inner join completed_points as p on c.run_key = p.run_key and c.point = p.point
    group by all
),

pair_counts as (
    select a.run_id, a.point, a.objection, b.objection as other, count(*) as n
    from sustained as a
    inner join sustained as b
        on a.run_key = b.run_key and a.point = b.point and a.draw = b.draw
    where a.objection <> b.objection
    group by all
),

joined as (
    select
        g.run_id,
        g.point,
        g.state as given,
        g.given_draws,
        'outcome' as quantity,
        l.label as key,
        coalesce(c.n, 0) as n
    from given as g
    inner join outcome_labels as l on g.run_id = l.run_id and g.point = l.point
    left join outcome_counts as c
        on
            g.run_id = c.run_id and g.point = c.point and g.objection = c.objection
            and l.label = c.label
    union all
    select
        g.run_id,
        g.point,
        g.state,
        g.given_draws,
        'sustained',
        o.state,
        coalesce(c.n, 0)
    from given as g
    inner join objections as o
        on g.run_id = o.run_id and g.point = o.point and g.objection <> o.objection
    left join pair_counts as c
        on
            g.run_id = c.run_id and g.point = c.point and g.objection = c.objection
            and o.objection = c.other
),

final as (
    select
        run_id,
        point,
        given,
        given_draws,
        quantity,
        key,
        n,
        case when given_draws > 0 then n / given_draws end as p,
        case when given_draws > 0 then mc_se(n, given_draws) end as se
    from joined
)

select * from final;

-- Remand and competing returns (remand.md M15): per slate state of a point (its
-- slate_states, in order), the probability that each slate (original, alternate, none) is
-- counted, every slate listed, p = 0 when it never was; and per remanded state (one that
-- answered in some draw) the probability of each answer. A state remanded in only some
-- draws has answer probabilities summing to its probability of being remanded. Draws are
-- grouped by their whole code list first, so only the distinct lists are unnested.

create or replace view point_slate_states as
select
    p.run_id,
    p.run_key,
    p.point,
    p.draws,
    unnest(p.slate_states) as state,
    unnest(range(len(p.slate_states))) as i
from completed_points as p;

-- Each completed point's per-draw code lists (counted slates, remand answers: one code per
-- slate state), counted by slate state and code; the two views below read it. Draws are
-- grouped by their whole list first, so only the distinct lists are unnested. Read by
-- run_id, the run's key reaches the stored_draws scan (issue 17; run_id in every step).
create or replace view point_slate_codes as
with
lists as (
    select
        p.run_id,
        d.run_key,
        d.point,
        'slate' as list,
        d.counted_slates::smallint[] as codes,
        count(*) as n
    from completed_points as p
    inner join stored_draws as d on p.run_key = d.run_key and p.point = d.point
    where d.counted_slates is not null
    group by all
    union all
    select p.run_id, d.run_key, d.point, 'answer', d.remand_answers::smallint[], count(*)
    from completed_points as p
    inner join stored_draws as d on p.run_key = d.run_key and p.point = d.point
    where d.remand_answers is not null
    group by all
),

codes as (
    select
        run_id, run_key, point, list, n, unnest(codes) as code, unnest(range(len(codes))) as i
    from lists
)

select run_id, run_key, point, list, i, code, sum(n) as n
from codes
group by all;

create or replace view slate_probabilities as
with
counts as (
    select run_id, run_key, point, i, code, n from point_slate_codes where list = 'slate'
),

slates as (
    select unnest({SLATES}) as slate, unnest(range(len({SLATES}))) as code
),

final as (
    select
        s.run_id,
        s.point,
        s.state,
        l.slate,
        coalesce(c.n, 0) as n,
        s.draws,
        coalesce(c.n, 0) / s.draws as p,
        mc_se(coalesce(c.n, 0), s.draws) as se,
        wilson_low(coalesce(c.n, 0), s.draws) as ci_low,
        wilson_high(coalesce(c.n, 0), s.draws) as ci_high
    from point_slate_states as s
    cross join slates as l
    left join counts as c
        on
            s.run_id = c.run_id and s.run_key = c.run_key and s.point = c.point and s.i = c.i
            and l.code = c.code
)

select * from final;

create or replace view remand_answers as
with
counts as not materialized (  -- read twice, by run
    select run_id, run_key, point, i, code, n
    from point_slate_codes
    where list = 'answer' and code >= 0
),

remanded as (  -- a join, not `exists`: a filter on run_id reaches both sides
    select distinct s.*
    from point_slate_states as s
    inner join counts as c
        on c.run_id = s.run_id and c.run_key = s.run_key and c.point = s.point and c.i = s.i
),

answers as (
    select unnest({ANSWER_CODES}) as answer, unnest(range(len({ANSWER_CODES}))) as code
),

final as (
    select
        s.run_id,
        s.point,
        s.state,
        a.answer,
        coalesce(c.n, 0) as n,
        s.draws,
        coalesce(c.n, 0) / s.draws as p,
        mc_se(coalesce(c.n, 0), s.draws) as se,
        wilson_low(coalesce(c.n, 0), s.draws) as ci_low,
        wilson_high(coalesce(c.n, 0), s.draws) as ci_high
    from remanded as s
    cross join answers as a
    left join counts as c
        on
            s.run_id = c.run_id and s.run_key = c.run_key and s.point = c.point and s.i = c.i
            and a.code = c.code
)

select * from final;

-- Sweeps: every point's probabilities beside its parameters. `params` holds each varied
-- key's value as text (params['regime']); `param_values` the numeric ones as numbers
-- (param_values['votes.senate.D']), ready to group, order and plot by.

create or replace view sweep_outcome_probabilities as
select
    o.run_id,
    o.point,
    p.params,
    p.param_values,
    p.seed as point_seed,
    o.label,
    o.outcome,
    o.candidate,
    o.n,
    o.draws,
    o.p,
    o.se,
    o.ci_low,
    o.ci_high
from outcome_probabilities as o
inner join completed_points as p on o.run_id = p.run_id and o.point = p.point;

create or replace view sweep_objection_probabilities as
select
    o.run_id,
    o.point,
    p.params,
    p.param_values,
    o.state,
    o.draws,
    o.p_raised,
    o.p_sustained,
    o.se,
    o.ci_low,
    o.ci_high
from objection_probabilities as o
inner join completed_points as p on o.run_id = p.run_id and o.point = p.point;

create or replace view sweep_slate_probabilities as
select
    o.run_id,
    o.point,
    p.params,
    p.param_values,
    o.state,
    o.slate,
    o.n,
    o.draws,
    o.p,
    o.se,
    o.ci_low,
    o.ci_high
from slate_probabilities as o
inner join completed_points as p on o.run_id = p.run_id and o.point = p.point;

create or replace view sweep_remand_answers as
select
    o.run_id,
    o.point,
    p.params,
    p.param_values,
    o.state,
    o.answer,
    o.n,
    o.draws,
    o.p,
    o.se,
    o.ci_low,
    o.ci_high
from remand_answers as o
inner join completed_points as p on o.run_id = p.run_id and o.point = p.point;

-- Every swept probability in one long view: quantity 'outcome' (key: the outcome label),
-- 'sustained' (key: the objection's state) or 'slate' (key: state and slate, 'PA:alternate').

create or replace view sweep_probabilities as
select run_id, point, params, param_values, 'outcome' as quantity, label as key, p, se
from sweep_outcome_probabilities
union all
select run_id, point, params, param_values, 'sustained', state, p_sustained, se
from sweep_objection_probabilities
union all
select run_id, point, params, param_values, 'slate', state || ':' || slate, p, se
from sweep_slate_probabilities;

-- Where a probability first reaches a level along one numeric swept key, e.g.
--   select * from sweep_threshold('RUN_ID', 'votes.senate.D', 'outcome', 'no_choice', 0.5)
--   select * from sweep_threshold('RUN_ID', 'votes.senate.D', 'sustained', 'AZ', 0.5)
--   select * from sweep_threshold('RUN_ID', 'remand.appoint_alternate.R', 'slate', 'PA:alternate', 0.5)
-- Points are grouped by every other swept parameter (`fixed`, e.g. {'regime': 'ecra2022'});
-- within a group, along the key in increasing order, `below` and `above` are the last value
-- under the level and the first at or over it, and `crossing` interpolates linearly between
-- them. No row for a group that never reaches the level; `below` is null when the first
-- point already does.

create or replace macro sweep_threshold(run, param, what, which, level) as table
with
series as (
    select
        map_from_entries(
            list_filter(map_entries(params), lambda e: e.key != param)
        ) as fixed,
        param_values[param] as x,
        p
    from sweep_probabilities
    where
        run_id = run and quantity = what and key = which
        and param_values[param] is not null
),

ordered as (
    select
        fixed,
        x,
        p,
        lag(x) over (partition by fixed order by x) as x_before,
        lag(p) over (partition by fixed order by x) as p_before
    from series
),

first_over as (
    select fixed, x_before as below, x as above, p_before as p_below, p as p_above
    from ordered
    where p >= level
    qualify row_number() over (partition by fixed order by x) = 1
)

select
    fixed,
    below,
    above,
    case
        when below is null or p_above = p_below then above
        else below + (level - p_below) * (above - below) / (p_above - p_below)
    end as crossing
from first_over
order by fixed::varchar;
