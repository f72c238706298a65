-- Row-level security on a tenant's question tables (seed 003: "RLS enabled for all embedding
-- tables"), run in the tenant's schema after its migrations; idempotent. The service owns the
-- tables and is not subject to it; any other role reads the rows (search through
-- match_questions_with_solutions included) only as a member of the tenant's role ${role}.
-- One replica at a time per schema (the policies are checked, then made), in the caller's transaction.
select pg_advisory_xact_lock(hashtext('reembed.row_security.' || current_schema()));
alter table questions enable row level security;
alter table solutions enable row level security;
do $$
begin
    if not exists (select 1 from pg_policies where schemaname = current_schema() and tablename = 'questions'
                   and policyname = 'tenant_role_rows') then
        create policy tenant_role_rows on questions
            using (exists (select 1 from pg_roles r where r.rolname = '${role}' and pg_has_role(current_user, r.oid, 'member')));
    end if;
    if not exists (select 1 from pg_policies where schemaname = current_schema() and tablename = 'solutions'
                   and policyname = 'tenant_role_rows') then
        create policy tenant_role_rows on solutions
            using (exists (select 1 from pg_roles r where r.rolname = '${role}' and pg_has_role(current_user, r.oid, 'member')));
    end if;
end $$
