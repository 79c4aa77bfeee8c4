-- Backtests: what reports read beside the backtest* tables. Calibration: each backtest's
-- members, per chamber, binned by their predicted probability of voting yea into ten bins
-- of width 0.1 (bin 0: [0, 0.1), ..., bin 9: [0.9, 1]), with the bin's mean prediction and
-- the share that voted yea; once for the model ('model') and once for the baseline
-- ('baseline'). A well-calibrated model's bins lie on the diagonal.

create or replace view backtest_calibration as
with
predictions as (
    select backtest_id, chamber, 'model' as model, p_yea as p, vote = 'yea' as is_yea
    from backtest_members
    union all
    select backtest_id, chamber, 'baseline', baseline_p_yea, vote = 'yea'
    from backtest_members
    where baseline_p_yea is not null
),

binned as (
    select *, least(floor(p * 10), 9)::integer as bin
    from predictions
),

final as (
    select
        backtest_id,
        chamber,
        model,
        bin,
        bin / 10 as p_low,
        (bin + 1) / 10 as p_high,
        avg(p) as mean_p_yea,
        avg(is_yea::integer) as observed_yea_share,
        count(*) as n
    from binned
    group by all
)

select * from final;
