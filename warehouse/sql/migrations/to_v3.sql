-- Schema 2 -> 3: a run's status may be 'interrupted' (stopped by a signal or Ctrl-C; its
-- committed chunks kept, as for 'failed'). DuckDB cannot alter a check constraint, so the
-- runs table is rebuilt with every row as it was. The views are re-created afterwards by
-- warehouse.schema. Applied in one transaction.

drop view if exists sweep_probabilities;
drop view if exists sweep_objection_probabilities;
drop view if exists sweep_outcome_probabilities;
drop view if exists objection_probabilities;
drop view if exists winner_probabilities;
drop view if exists outcome_probabilities;
drop view if exists outcome_labels;
drop view if exists objection_votes;
drop view if exists draws;
drop view if exists completed_points;
drop view if exists completed_runs;

alter table runs rename to runs_v2;

{TABLES}

insert into runs by name select * from runs_v2;
drop table runs_v2;
