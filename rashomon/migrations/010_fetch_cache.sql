-- Conditional-GET validators (and bodies) of fetched URLs, so `rashomon watch` and `ingest` send
-- If-None-Match / If-Modified-Since after a restart (rashomon.ingest.fetch.WorkspaceFetchCache).
CREATE TABLE fetch_cache (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    charset       TEXT,
    headers       TEXT NOT NULL,        -- JSON: the kept response headers
    body          BLOB,                 -- zlib-compressed body, or NULL when bodies are not kept
    stored_at     TEXT NOT NULL
);
CREATE INDEX fetch_cache_stored_at ON fetch_cache (stored_at)
