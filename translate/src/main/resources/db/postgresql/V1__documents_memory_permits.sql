-- fanout's state in PostgreSQL, shared by workers on many machines (docs/adr/0015).
-- Applied by Flyway into the schema `fanout`; never edit a released file: add V2__... instead.

-- One row per run of `fanout translate` or `fanout worker` (the report and `status` read it).
CREATE TABLE runs (
  id          bigserial PRIMARY KEY,
  started     timestamptz NOT NULL DEFAULT now(),
  finished    timestamptz,
  description text,
  counts      text
);

-- What the planning run decided every worker uses: languages, rates, retries, format options.
-- No secret is ever written here (API keys stay in each worker's --tenant-keys file).
CREATE TABLE plan (
  id       int PRIMARY KEY CHECK (id = 1),
  run      bigint NOT NULL,
  settings text NOT NULL,                          -- e.g. en>es|pseudo: workers must match it
  rate     double precision NOT NULL DEFAULT 0,    -- requests a second per tenant; 0: none
  source_lang text NOT NULL,
  target_lang text NOT NULL,
  front_matter_keys text NOT NULL,                 -- comma-separated
  retries  int NOT NULL,
  max_retry_after_ms bigint NOT NULL,
  started  timestamptz NOT NULL DEFAULT now(),
  planned  timestamptz                             -- null while planning: workers wait for more
);

-- Only grows; a claim takes the next value, and every write by a holder names the value it holds.
CREATE SEQUENCE fence;

-- One row per document: its outcome, and while it is to be translated, the job itself.
CREATE TABLE documents (
  key          text PRIMARY KEY,
  seq          bigserial NOT NULL,                 -- planning order: claims go oldest first
  origin       text,
  output       text,
  id           text,
  line         bigint NOT NULL DEFAULT 0,
  tenant       text NOT NULL,
  format       text,                               -- how to take it apart (md, html, txt, jsonl)
  input        text,                               -- its text, while it is to be translated
  input_hash   text NOT NULL DEFAULT '',
  settings     text,
  status       text NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
  owner        text,                               -- the worker holding it (running only)
  lease_until  timestamptz,                        -- ... until then, unless renewed
  fence        bigint NOT NULL DEFAULT 0,          -- the claim that holds or last held it
  available_at timestamptz NOT NULL DEFAULT now(), -- pending: not claimable before
  claimed_at   timestamptz,                        -- the last claim
  claims       int NOT NULL DEFAULT 0,             -- claims made of it
  rescues      int NOT NULL DEFAULT 0,             -- claims that took it from an expired lease
  attempts     int NOT NULL DEFAULT 0,
  reason       text,
  error        text,
  http_status  int NOT NULL DEFAULT 0,
  calls        bigint NOT NULL DEFAULT 0,
  chars        bigint NOT NULL DEFAULT 0,
  translation  text,                               -- a done document's output text
  run          bigint NOT NULL,
  updated      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_pending ON documents (seq) WHERE status = 'pending';
CREATE INDEX documents_running ON documents (lease_until) WHERE status = 'running';
CREATE INDEX documents_by_owner ON documents (owner) WHERE status = 'running';
CREATE INDEX documents_by_run ON documents (run, output, line);

-- The translation memory: the first translation of a unit is kept; a unit is paid for once.
CREATE TABLE memory (
  key         text PRIMARY KEY,
  seq         bigserial NOT NULL,
  source      text NOT NULL,
  target      text NOT NULL,
  source_lang text NOT NULL,
  target_lang text NOT NULL,
  backend     text NOT NULL,
  run         bigint,
  created     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memory_scope ON memory (backend, source_lang, target_lang);

-- One token bucket per tenant, shared by every worker; permits are leased from it in chunks.
CREATE TABLE tenant_rates (
  tenant text PRIMARY KEY,
  rate   double precision NOT NULL CHECK (rate > 0),
  burst  double precision NOT NULL CHECK (burst >= 1),
  tokens double precision NOT NULL,
  stamp  timestamptz NOT NULL DEFAULT clock_timestamp(),
  leased bigint NOT NULL DEFAULT 0,               -- permits granted, ever
  trips  bigint NOT NULL DEFAULT 0                -- chunk requests answered, ever
);

-- The workers that have joined, for `fanout status`.
CREATE TABLE workers (
  id      text PRIMARY KEY,
  host    text NOT NULL,
  pid     bigint NOT NULL,
  started timestamptz NOT NULL DEFAULT now(),
  seen    timestamptz NOT NULL DEFAULT now(),
  stopped timestamptz,
  done    bigint NOT NULL DEFAULT 0,
  failed  bigint NOT NULL DEFAULT 0,
  stale   bigint NOT NULL DEFAULT 0                -- outcomes refused because a newer claim held them
);
