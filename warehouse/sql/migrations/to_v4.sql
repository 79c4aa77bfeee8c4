-- Schema 3 -> 4: remand.md M15. Each point lists its slate states (remanded or with two
-- returns; [] for every older point), and each stored draw gains its counted slates and
-- remand answers, one code per slate state (null for every older draw: no remand). Columns
-- are added in place, no row is copied. The views are re-created afterwards by
-- warehouse.schema. Applied in one transaction.

drop view if exists sweep_probabilities;
drop view if exists sweep_remand_answers;
drop view if exists sweep_slate_probabilities;
drop view if exists sweep_objection_probabilities;
drop view if exists sweep_outcome_probabilities;
drop view if exists remand_answers;
drop view if exists slate_probabilities;
drop view if exists point_slate_codes;
drop view if exists point_slate_states;
drop view if exists objection_probabilities;
drop view if exists winner_probabilities;
drop view if exists outcome_probabilities;
drop view if exists outcome_labels;
drop view if exists objection_votes;
drop view if exists draws;
drop view if exists completed_points;
drop view if exists completed_runs;

alter table sweep_points add column if not exists slate_states varchar[] default [];
alter table sweep_points alter column slate_states set not null;
alter table stored_draws add column if not exists counted_slates utinyint[];
alter table stored_draws add column if not exists remand_answers tinyint[];
