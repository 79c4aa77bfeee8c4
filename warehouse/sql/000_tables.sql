-- Schema version 6. Facts are stored compactly, chunk by chunk (stored_* tables: integer
-- codes, arrays per candidate); the views `draws` and `objection_votes` decode them and show
-- completed runs only. A chunk's rows and its `stored_chunks` row land in one transaction,
-- and a run becomes visible in one transaction (its status set to 'completed'), so no query
-- ever sees part of a run. Chunks of a run that did not complete stay invisible: a sweep can
-- resume from them, and a failed or interrupted `countlab run` deletes them (`countlab gc`
-- removes what a killed process left). A backtest (issue 14) is written whole, its four
-- backtest* tables in one transaction (warehouse.backtests).

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
    error varchar,
    -- where to watch it (issue 16; null in runs stored before)
    scenario_name varchar,            -- the scenario file's stem
    prefect_flow_run_id varchar       -- the Prefect flow run that wrote it (a resumed sweep: the last)
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
    sustained boolean not null,
    -- the draw re-tallied with this objection's sustained state flipped, everything else in
    -- the draw unchanged (issue 15: pivotal objections); null in runs stored before schema 6
    flipped_outcome utinyint,          -- index into the outcome labels
    flipped_winner utinyint,           -- index into the point's candidates; null: no choice
    changes_outcome boolean            -- the flip changes the draw's outcome label (pivotal)
);

create table if not exists exact_probabilities (
    run_id varchar not null,
    point integer not null,
    quantity varchar not null,         -- outcome | winner | p_raised | p_sustained
    key varchar not null,              -- outcome label, candidate or state
    p double not null
);

-- Backtests: a vote model fit on some roll calls (`fit`, e.g. '2021-01-06:AZ') and scored on
-- others (`predict`, e.g. '2021-01-06:PA,GA'), each chamber's yeas against the Monte Carlo
-- predictive distribution and each member's vote against its predicted probability, beside
-- a baseline's. Written by warehouse.backtests.store_backtest; never updated.

create table if not exists backtests (
    backtest_id varchar primary key,
    created_at timestamp not null,    -- UTC
    fit varchar not null,             -- the roll calls fit: SESSION:ST,ST
    predict varchar not null,         -- the roll calls predicted: SESSION:ST,ST
    model varchar not null,           -- the vote model fit (group | members)
    draws bigint not null,
    seed bigint not null,
    countlab_version varchar not null,
    result json not null              -- the whole `countlab backtest --json` object
);

create table if not exists backtest_chambers (
    backtest_id varchar not null,
    chamber varchar not null check (list_contains({CHAMBERS}, chamber)),
    -- the record, summed over the chamber's predicted roll calls
    observed_yea integer not null,
    observed_nay integer not null,
    -- the model's predictive distribution of the yeas (backtest_predictive)
    predicted_mean double not null,
    interval_lo integer not null,     -- 90% predictive interval
    interval_hi integer not null,
    pit double,                       -- probability integral transform of the observed yeas
    -- member by member, the model's scores beside the baseline's: Brier, the mean of
    -- (p_yea - yea)^2 (0 is perfect, lower is better); log score, the mean log probability
    -- of each member's vote (0 is perfect, higher is better)
    brier double,
    log_score double,
    baseline_brier double,
    baseline_log_score double,
    primary key (backtest_id, chamber)
);

create table if not exists backtest_members (
    backtest_id varchar not null,
    bioguide_id varchar not null,
    chamber varchar not null check (list_contains({CHAMBERS}, chamber)),
    objection_state varchar not null,  -- the predicted roll call
    p_yea double not null check (p_yea between 0 and 1),
    baseline_p_yea double check (baseline_p_yea between 0 and 1),
    vote varchar not null check (vote in ('yea', 'nay')),
    primary key (backtest_id, chamber, objection_state, bioguide_id)
);

create table if not exists backtest_predictive (
    backtest_id varchar not null,
    chamber varchar not null check (list_contains({CHAMBERS}, chamber)),
    yeas integer not null,            -- yeas summed over the chamber's predicted roll calls
    draws bigint not null check (draws > 0),  -- how many Monte Carlo draws gave that many
    primary key (backtest_id, chamber, yeas)
);

-- Analyses of a stored sweep (issue 15), each written whole in one transaction that first
-- deletes the rows of the same run, method and target (warehouse.analyses): re-analysing
-- replaces, never mixes.

create table if not exists sensitivity_indices (
    run_id varchar not null,
    method varchar not null check (method in ('sobol', 'morris')),
    target varchar not null,          -- an outcome label (P(outcome)) or a state (P(sustained))
    key varchar not null,             -- the swept key
    points integer not null,          -- sweep points analysed
    -- Sobol' (method 'sobol'): first-order and total indices, bootstrap half-widths (95%)
    s1 double,
    s1_conf double,
    st double,
    st_conf double,
    -- the share of the target's variance across points that is Monte Carlo noise (the mean
    -- binomial variance of the point estimates over their variance): a total index below
    -- it is indistinguishable from zero
    noise_floor double,
    -- Morris (method 'morris'): elementary effects' mean, mean absolute value (its bootstrap
    -- half-width) and standard deviation, in units of the target's probability
    mu double,
    mu_star double,
    mu_star_conf double,
    sigma double,
    created_at timestamp not null,    -- UTC
    countlab_version varchar not null,
    primary key (run_id, method, target, key)
);

create table if not exists discovered_boxes (
    run_id varchar not null,
    method varchar not null check (method in ('prim')),
    target varchar not null,          -- an outcome label or a state, as in sensitivity_indices
    level double not null,            -- points of interest: the target's probability >= level
    box integer not null,             -- 1, 2, ...: the boxes found one after another (covering)
    step integer not null,            -- the box's peeling and pasting trajectory, 0 = all points
    chosen boolean not null,          -- the step chosen as the box
    coverage double not null,         -- points of interest inside / all points of interest
    density double not null,          -- points of interest inside / points inside
    mass double not null,             -- points inside / all points
    n_restricted integer not null,
    restrictions json not null,       -- {KEY: [lo, hi]} (a range) or {KEY: [values]} (a list)
    created_at timestamp not null,    -- UTC
    countlab_version varchar not null,
    primary key (run_id, method, target, level, box, step)
);
