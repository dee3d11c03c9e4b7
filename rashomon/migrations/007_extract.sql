-- What the extract stage found: per article (entities' mentions, quotes, figures), and across the
-- workspace (canonical entities and cross-outlet links, rebuilt at each ingest).
CREATE TABLE extractions (
    article_id TEXT PRIMARY KEY REFERENCES articles(id),
    data       TEXT NOT NULL           -- JSON: {mentions, quotes, figures}
);

CREATE TABLE corpus_extract (
    key   TEXT PRIMARY KEY,            -- 'entities' or 'crosslinks'
    data  TEXT NOT NULL                -- JSON list
);
