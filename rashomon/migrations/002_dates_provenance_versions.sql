-- Dates (published_source, event-date hints), provenance, and later versions of an article.
ALTER TABLE articles ADD COLUMN published_source TEXT;
ALTER TABLE articles ADD COLUMN date_hints TEXT NOT NULL DEFAULT '[]';
ALTER TABLE articles ADD COLUMN provenance TEXT;
CREATE INDEX articles_url ON articles (url);

-- A page fetched again whose text changed: the article keeps its first version,
-- every later one is kept here (a stealth edit is a finding).
CREATE TABLE article_versions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles (id),
    url        TEXT NOT NULL,
    source     TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    fetched_at TEXT,
    found_at   TEXT NOT NULL,
    title      TEXT,
    text       TEXT NOT NULL,
    raw        BLOB NOT NULL,
    UNIQUE (article_id, sha256)
);
