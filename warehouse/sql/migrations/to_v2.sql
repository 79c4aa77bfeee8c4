-- Schema 1 -> 2: the facts move to the compact stored_* tables (codes and per-candidate
-- arrays), each run gets a run_key and one point (0), and the views are re-created over
-- them. Runs as they were: every completed run reads the same through the new views.
-- Applied in one transaction by warehouse.schema; {OUTCOMES} and {ACTING_PRESIDENT} are
-- filled in there.

drop view if exists objection_probabilities;
drop view if exists winner_probabilities;
drop view if exists outcome_probabilities;
drop view if exists outcome_labels;
drop view if exists completed_runs;

alter table runs rename to runs_v1;
alter table draws rename to draws_v1;
alter table objection_votes rename to objection_votes_v1;
alter table exact_probabilities rename to exact_probabilities_v1;

{TABLES}

insert into runs by name  -- the columns added since (schema 6: scenario_name, ...) are null
select
    run_id,
    row_number() over (order by started_at, run_id) as run_key,
    'run' as kind,
    scenario,
    scenario_hash,
    session,
    regime,
    denominator,
    rules,
    candidates,
    objection_states,
    seed,
    draws,
    1 as points,
    null as sweep,
    '' as base_dir,
    draws as chunk_draws,
    block_draws,
    sampler,
    countlab_version,
    started_at,
    finished_at,
    status,
    error
from runs_v1;

select setval('run_keys', max(run_key)) from runs having max(run_key) is not null;

insert into sweep_points by name
select
    r.run_id,
    r.run_key,
    0 as point,
    map() as params,
    map() as param_values,
    r.scenario,
    r.scenario_hash,
    r.session,
    r.regime,
    r.denominator,
    r.candidates,
    coalesce(
        (
            select list(distinct d.vice_president order by d.vice_president)
            from draws_v1 as d
            where d.run_id = r.run_id and d.vice_president is not null
        ),
        []
    ) as vp_candidates,
    r.objection_states,
    r.seed,
    r.draws
from runs as r;

insert into stored_chunks
select run_key, 0, 0, draws, coalesce(finished_at, started_at)
from runs
where status = 'completed';

insert into stored_draws by name
select
    p.run_key,
    0 as point,
    d.draw,
    list_position({OUTCOMES}, d.outcome) - 1 as outcome,
    list_position(p.candidates, d.winner) - 1 as winner,
    list_position(p.vp_candidates, d.vice_president) - 1 as vice_president,
    list_position({ACTING_PRESIDENT}, d.acting_president) - 1 as acting_president,
    list_transform(p.candidates, lambda c: d.totals[c]) as totals,
    d.whole_number,
    d.majority_needed,
    d.n_raised,
    d.n_sustained,
    case when d.house_states is not null then
        list_transform(p.candidates, lambda c: d.house_states[c])
    end as house_states
from draws_v1 as d
inner join sweep_points as p on d.run_id = p.run_id;

insert into stored_objection_votes
    (run_key, point, draw, objection, raised, house_yes, house_no, senate_yes, senate_no, sustained)
select
    p.run_key,
    0 as point,
    v.draw,
    list_position(p.objection_states, v.state) - 1 as objection,
    v.raised,
    v.house_yes,
    v.house_no,
    v.senate_yes,
    v.senate_no,
    v.sustained
from objection_votes_v1 as v
inner join sweep_points as p on v.run_id = p.run_id;

insert into exact_probabilities
select run_id, 0, quantity, key, p from exact_probabilities_v1;

drop table exact_probabilities_v1;
drop table objection_votes_v1;
drop table draws_v1;
drop table runs_v1;
