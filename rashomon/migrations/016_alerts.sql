-- Alerts (rashomon.alerts): what the user watches, and what each ingest found for it.
-- A watch: a saved search (its query), an entity (en- id) or an event (ev- id).
CREATE TABLE IF NOT EXISTS watches (
    id         TEXT PRIMARY KEY,       -- wa- + a hash of kind and target
    kind       TEXT NOT NULL CHECK (kind IN ('search', 'entity', 'event')),
    target     TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (kind, target)
);

-- One row per thing found, recorded once (its id is a hash of the watch and what it is about).
CREATE TABLE IF NOT EXISTS alerts (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,   -- al- + hash
    watch_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,          -- match, figures, speakers, group-joined, blindspot
    event_id   TEXT,
    article_id TEXT,
    summary    TEXT NOT NULL,
    data       TEXT NOT NULL,          -- JSON: the evidence (sentences, outlets, groups)
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_watch ON alerts (watch_id, seq);

-- The outlet groups each watched event had when last checked: a group not among them has joined.
CREATE TABLE IF NOT EXISTS watch_groups (
    watch_id   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    groups     TEXT NOT NULL,          -- JSON list
    PRIMARY KEY (watch_id, event_id)
) WITHOUT ROWID;
