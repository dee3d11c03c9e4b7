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

-- The persistent dedup index (rashomon.dedup.signature): an article's exact digest, and its LSH
-- band keys; a new article is verified against the stored articles that share one of them only.
CREATE TABLE dedup (
    article_id TEXT PRIMARY KEY REFERENCES articles(id),
    exact      BLOB NOT NULL
);
CREATE TABLE dedup_bands (
    band       INTEGER NOT NULL,
    key        INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (band, key, article_id)
) WITHOUT ROWID;
CREATE INDEX dedup_exact ON dedup (exact);
CREATE INDEX articles_copy_of ON articles (copy_of);

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
CREATE INDEX crosslinks_storyline ON crosslinks (storyline_id);

-- Cross-outlet links kept before as one list move to their rows.
INSERT OR REPLACE INTO crosslinks (id, storyline_id, data)
SELECT json_extract(item.value, '$.id'), json_extract(item.value, '$.storyline_id'), item.value
FROM corpus_extract, json_each(corpus_extract.data) AS item
WHERE corpus_extract.key = 'crosslinks';
DELETE FROM corpus_extract WHERE key = 'crosslinks';

-- Entity linking, kept per mention and per key (rashomon.extract.canonical): each mention with the
-- key its article gave it; each key with the entity it is linked into; each entity's header.
CREATE TABLE entity_mentions (
    article_id TEXT NOT NULL,
    position   INTEGER NOT NULL,
    key        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    start      INTEGER NOT NULL,
    end        INTEGER NOT NULL,
    surface    TEXT NOT NULL,
    label      TEXT NOT NULL,
    confidence REAL NOT NULL,
    sentence   TEXT NOT NULL,
    via        TEXT NOT NULL,
    joins      TEXT NOT NULL,
    language   TEXT NOT NULL,
    rank       TEXT NOT NULL,
    PRIMARY KEY (article_id, position)
);
CREATE INDEX entity_mentions_key ON entity_mentions (key);
CREATE TABLE entity_keys (
    key        TEXT PRIMARY KEY,
    entity_id  TEXT NOT NULL,
    rule       TEXT,                   -- the corpus-wide rule that linked it, if one did
    first      TEXT NOT NULL           -- the rank of its first mention
);
CREATE INDEX entity_keys_entity ON entity_keys (entity_id);
CREATE TABLE key_blocks (
    block      TEXT NOT NULL,
    key        TEXT NOT NULL,
    PRIMARY KEY (block, key)
) WITHOUT ROWID;
CREATE TABLE entities (
    id            TEXT PRIMARY KEY,
    label         TEXT NOT NULL,
    name          TEXT NOT NULL,
    key           TEXT NOT NULL,
    aliases       TEXT NOT NULL,
    languages     TEXT NOT NULL,
    mention_count INTEGER NOT NULL
);
-- Entities kept before as one list are linked again from the stored extractions at the next ingest.
DELETE FROM corpus_extract WHERE key = 'entities';
