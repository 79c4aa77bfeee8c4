-- Monte Carlo standard error of a proportion, n successes in draws trials: sqrt(p (1 - p) / draws).

create or replace macro mc_se(n, draws) as sqrt((n / draws) * (1 - n / draws) / draws);

-- 95% Wilson score interval for n successes in draws trials (z = 1.959963984540054).

create or replace macro wilson_low(n, draws) as greatest(0.0, (
    (n / draws + 1.959963984540054 ^ 2 / (2 * draws))
    - 1.959963984540054 * sqrt(
        (n / draws) * (1 - n / draws) / draws + 1.959963984540054 ^ 2 / (4 * draws * draws)
    )
) / (1 + 1.959963984540054 ^ 2 / draws));

create or replace macro wilson_high(n, draws) as least(1.0, (
    (n / draws + 1.959963984540054 ^ 2 / (2 * draws))
    + 1.959963984540054 * sqrt(
        (n / draws) * (1 - n / draws) / draws + 1.959963984540054 ^ 2 / (4 * draws * draws)
    )
) / (1 + 1.959963984540054 ^ 2 / draws));

-- An outcome label from its kind and candidate, as models/outcomes.py spells it
-- (outcome_label): 'electors:<candidate>', 'house:<candidate>', 'no_choice'.

create or replace macro outcome_label(kind, candidate) as
    case when kind = 'no_choice' then 'no_choice' else kind || ':' || candidate end;
