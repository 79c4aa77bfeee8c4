-- Schema 4 -> 5: backtests (issue 14). Four new tables (backtests, backtest_chambers,
-- backtest_members, backtest_predictive), empty; every other table as it was, no row
-- copied. The views (backtest_calibration among them) are re-created afterwards by
-- warehouse.schema. Applied in one transaction.

{TABLES}
