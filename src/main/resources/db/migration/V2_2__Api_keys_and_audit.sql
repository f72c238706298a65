-- V2.2: API keys and the audit of operator actions (seed 000's api_keys, reduced to what reembed
-- needs). Keys are stored as SHA-256 hashes; the short prefix identifies a key in lists and logs.
-- Numbered 2.x: it does not depend on the embedding dimension, and it must exist while the
-- schema change is held at version 2 (operators authenticate to call apply).

create table api_keys (
    id           bigint generated always as identity primary key,
    name         text        not null check (length(trim(name)) > 0),
    key_prefix   text        not null,
    key_hash     text        not null unique,
    role         text        not null check (role in ('viewer', 'operator')),
    created_at   timestamptz not null default now(),
    created_by   text,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    constraint api_keys_valid_expiry check (expires_at is null or expires_at > created_at)
);

create table audit_log (
    id         bigint generated always as identity primary key,
    at         timestamptz not null default now(),
    key_prefix text        not null,
    action     text        not null,
    target     text,
    status     int         not null
);

create index audit_log_at on audit_log (at desc);
