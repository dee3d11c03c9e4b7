-- The incremental workspace: what is expensive to recompute is stored, and readers only read.
-- The id an exact copy had as an input of its own (its copy link names it).
ALTER TABLE inputs ADD COLUMN document_id TEXT;

-- One event's comparison (the Comparison record), computed at ingest for the events that changed.
CREATE TABLE comparisons (
    event_id TEXT PRIMARY KEY,
    data     TEXT NOT NULL
);

-- The name features of an article for grouping (rashomon.cluster.ArticleFeatures without the vector).
CREATE TABLE features (
    article_id TEXT PRIMARY KEY REFERENCES articles(id),
    names      TEXT NOT NULL,          -- JSON {name key: weight}
    surfaces   TEXT NOT NULL           -- JSON {name key: surface as written}
);

-- The dedup index's entry of an article (rashomon.dedup): exact hash, LSH band keys, 5-gram hashes.
CREATE TABLE dedup (
    article_id TEXT PRIMARY KEY REFERENCES articles(id),
    time       REAL,
    exact      BLOB NOT NULL,
    bands      BLOB NOT NULL,          -- int64 per band
    shingles   BLOB NOT NULL           -- sorted uint64 hashes
);
CREATE TABLE dedup_bands (
    band       INTEGER NOT NULL,
    key        INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (band, key, article_id)
) WITHOUT ROWID;
CREATE INDEX dedup_exact ON dedup (exact);

-- Document frequency of each word per language, over every stored article (the labels' background).
CREATE TABLE word_documents (
    language  TEXT NOT NULL,
    word      TEXT NOT NULL,           -- '' holds the number of articles in the language
    documents INTEGER NOT NULL,
    PRIMARY KEY (language, word)
) WITHOUT ROWID;

-- Cross-outlet links, one row each, by storyline (replaced for the storylines an ingest touches).
CREATE TABLE crosslinks (
    id           TEXT PRIMARY KEY,
    storyline_id TEXT NOT NULL,
    data         TEXT NOT NULL
);
CREATE INDEX crosslinks_storyline ON crosslinks (storyline_id)
