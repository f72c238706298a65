-- V2.7: an API key may be limited to tenants (docs/tenants.md): the schemas it may reach under
-- /api/tenants/{schema}/. Null: every tenant and the service's own store, as every key before.
-- Numbered 2.x: it does not depend on the embedding dimension.

alter table api_keys add column tenants text[];
