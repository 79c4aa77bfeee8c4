-- Schema version 4. Facts are stored compactly, chunk by chunk (stored_* tables: integer
-- codes, arrays per candidate); the views `draws` and `objection_votes` decode them and show
-- completed runs only. A chunk's rows and its `stored_chunks` row land in one transaction,
-- and a run becomes visible in one transaction (its status set to 'completed'), so no query
-- ever sees part of a run. Chunks of a run that did not complete stay invisible: a sweep can
-- resume from them, and a failed or interrupted `countlab run` deletes them (`countlab gc`
-- removes what a killed process left).

create sequence if not exists run_keys start 1;

create table if not exists runs (
    run_id varchar primary key,
    run_key integer not null unique,  -- compact key of the run's stored rows
    kind varchar not null check (kind in ('run', 'sweep')),
    -- what was simulated (a sweep: its base scenario; per point see sweep_points)
    scenario json not null,           -- the scenario file, validated, as canonical JSON
    scenario_hash varchar not null,   -- sha256 of that JSON
    session varchar not null,
    regime varchar not null,
    denominator varchar not null,
    rules json not null,              -- every rule switch in force
    candidates varchar[] not null,
    objection_states varchar[] not null,
    -- how
    seed ubigint not null,
    draws bigint not null,            -- draws per point
    points integer not null,          -- 1 for a run
    sweep json,                       -- a sweep's definition (design and varied keys)
    base_dir varchar not null,        -- where the scenario's relative paths start (resume)
    chunk_draws bigint not null,      -- draws per task (resume skips stored chunks)
    block_draws integer not null,     -- draws per random stream (reproducibility unit)
    sampler varchar not null,
    countlab_version varchar not null,
    -- when, and how it ended
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null check (status in ('running', 'completed', 'failed', 'interrupted')),
    error varchar
);

create table if not exists sweep_points (
    run_id varchar not null,
    run_key integer not null,
    point integer not null,           -- 0 for a run
    params map(varchar, varchar) not null,       -- swept key -> value at this point
    param_values map(varchar, double) not null,  -- the numeric ones, as numbers
    scenario json not null,           -- the point's full scenario, canonical JSON
    scenario_hash varchar not null,
    session varchar not null,
    regime varchar not null,
    denominator varchar not null,
    candidates varchar[] not null,
    vp_candidates varchar[] not null,
    objection_states varchar[] not null,
    seed ubigint not null,            -- the point's own seed (`countlab run --seed` repeats it)
    draws bigint not null,
    -- remand.md M15: the states remanded or with two returns, sorted ([] without a remand);
    -- stored_draws.counted_slates and remand_answers index into it
    slate_states varchar[] not null default [],
    primary key (run_key, point)
);

create table if not exists stored_chunks (
    run_key integer not null,
    point integer not null,
    first_draw bigint not null,
    n_draws bigint not null,
    stored_at timestamptz not null,
    primary key (run_key, point, first_draw)
);

create table if not exists stored_draws (
    run_key integer not null,
    point integer not null,
    draw bigint not null,
    outcome utinyint not null,         -- index into the outcome labels (electors, house, ...)
    winner utinyint,                   -- index into the point's candidates; null: no choice
    vice_president utinyint,           -- index into the point's vp_candidates
    acting_president utinyint not null,
    totals smallint[] not null,        -- electoral votes counted, per candidate
    whole_number smallint not null,
    majority_needed smallint not null,
    n_raised smallint not null,
    n_sustained smallint not null,
    house_states smallint[],           -- contingent election: states won; else null
    -- per slate state of the point (sweep_points.slate_states), null without a remand:
    counted_slates utinyint[],         -- index into the slates (original, alternate, none)
    remand_answers tinyint[]           -- index into the remand answers; -1: not remanded
);

create table if not exists stored_objection_votes (
    run_key integer not null,
    point integer not null,
    draw bigint not null,
    objection utinyint not null,       -- index into the point's objection_states
    raised boolean not null,
    house_yes smallint,                -- null when no chamber vote was taken
    house_no smallint,
    senate_yes smallint,
    senate_no smallint,
    sustained boolean not null
);

create table if not exists exact_probabilities (
    run_id varchar not null,
    point integer not null,
    quantity varchar not null,         -- outcome | winner | p_raised | p_sustained
    key varchar not null,              -- outcome label, candidate or state
    p double not null
);
