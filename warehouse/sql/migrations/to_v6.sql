-- Schema 5 -> 6: analyses (issue 15). Two new tables (sensitivity_indices,
-- discovered_boxes), empty; stored_objection_votes gains flipped_outcome, flipped_winner and
-- changes_outcome, null for the rows already there (their runs predate the pivotal re-tally);
-- runs gains scenario_name and prefect_flow_run_id (issue 16), null for the runs already
-- there. Every other
-- table as it was, no row copied. The views are re-created afterwards by warehouse.schema.
-- Applied in one transaction.

alter table stored_objection_votes add column if not exists flipped_outcome utinyint;
alter table stored_objection_votes add column if not exists flipped_winner utinyint;
alter table stored_objection_votes add column if not exists changes_outcome boolean;
alter table runs add column if not exists scenario_name varchar;
alter table runs add column if not exists prefect_flow_run_id varchar;

{TABLES}
