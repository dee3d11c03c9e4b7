-- Small named state a workspace keeps between runs (e.g. which feed items `rashomon watch` has seen).
CREATE TABLE state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
