-- Append-only facts. A run's draws and objection votes land in one transaction with the
-- run's status set to 'completed'; a failed run keeps only its runs row, marked 'failed'.

create table if not exists runs (
    run_id varchar primary key,
    -- what was simulated
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
    draws bigint not null,
    block_draws integer not null,     -- draws per random stream (reproducibility unit)
    sampler varchar not null,
    countlab_version varchar not null,
    -- when, and how it ended
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null check (status in ('running', 'completed', 'failed')),
    error varchar
);

create table if not exists draws (
    run_id varchar not null,
    draw bigint not null,
    outcome varchar not null,          -- electors | house | no_choice
    winner varchar,                    -- the President chosen, null for no_choice
    vice_president varchar,
    acting_president varchar not null, -- none | vp_elect | speaker (20th Amendment)
    totals map(varchar, smallint) not null,  -- electoral votes counted per candidate
    whole_number smallint not null,
    majority_needed smallint not null,
    n_raised smallint not null,
    n_sustained smallint not null,
    house_states map(varchar, smallint)      -- contingent election: states won; else null
);

create table if not exists objection_votes (
    run_id varchar not null,
    draw bigint not null,
    state varchar not null,
    raised boolean not null,
    house_yes smallint,                -- null when no chamber vote was taken
    house_no smallint,
    senate_yes smallint,
    senate_no smallint,
    sustained boolean not null
);

create table if not exists exact_probabilities (
    run_id varchar not null,
    quantity varchar not null,         -- outcome | winner | p_raised | p_sustained
    key varchar not null,              -- outcome label, candidate or state
    p double not null
);
