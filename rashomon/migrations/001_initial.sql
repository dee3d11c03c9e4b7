-- Every input gets a row: accepted, duplicate or rejected, with its raw bytes.
CREATE TABLE inputs (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate', 'rejected')),
    article_id  TEXT,
    reason      TEXT,
    raw         BLOB NOT NULL,
    ingested_at TEXT NOT NULL,
    UNIQUE (source, sha256)
);

CREATE TABLE articles (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT NOT NULL UNIQUE,
    source              TEXT NOT NULL,
    fmt                 TEXT NOT NULL,
    outlet              TEXT,
    url                 TEXT,
    title               TEXT,
    title_inferred      INTEGER NOT NULL,
    language            TEXT,
    language_confidence REAL NOT NULL,
    published           TEXT,
    raw_text            TEXT NOT NULL,
    text                TEXT NOT NULL,
    removed_lines       TEXT NOT NULL,  -- JSON list of {line_no, text, reason}
    embedder            TEXT NOT NULL,
    vector              BLOB NOT NULL   -- float32, unit length
);

CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    label      TEXT NOT NULL,
    first_seen TEXT,
    last_seen  TEXT,
    article_ids TEXT NOT NULL,          -- JSON list, in order of joining
    links      TEXT NOT NULL            -- JSON list of Link
);

CREATE TABLE storylines (
    id          TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    label       TEXT NOT NULL,
    event_ids   TEXT NOT NULL,
    article_ids TEXT NOT NULL,
    links       TEXT NOT NULL
);
