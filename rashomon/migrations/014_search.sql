-- Search (rashomon.search). Full text in two FTS5 indexes, keyed by articles.seq (the rowid):
-- words with diacritics folded, and trigrams for the articles in languages written without spaces
-- between words (Chinese, Japanese, Thai…), where a word index would see a whole clause as one
-- token. Each row holds the article's latest text: a later version of a page replaces it.
CREATE VIRTUAL TABLE search_words USING fts5(title, text, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_trigrams USING fts5(title, text, tokenize = 'trigram');

-- The article vectors again, by seq, for semantic search: read in chunks without walking past the
-- texts stored before the vector in each articles row.
CREATE TABLE search_vectors (
    seq    INTEGER PRIMARY KEY,
    vector BLOB NOT NULL               -- float32, unit length (as articles.vector)
);

-- The field filters outlet:, lang:, from: and to: read these.
CREATE INDEX articles_outlet ON articles (outlet COLLATE NOCASE);
CREATE INDEX articles_domain ON articles (domain COLLATE NOCASE);
CREATE INDEX articles_language ON articles (language);
CREATE INDEX articles_published_day ON articles (substr(published, 1, 10));

-- A workspace written before is indexed now, each article with its latest version.
INSERT INTO search_words (rowid, title, text)
SELECT a.seq, COALESCE(v.title, a.title, ''), COALESCE(v.text, a.text)
FROM articles a LEFT JOIN (
    SELECT article_id, title, text FROM article_versions
    WHERE seq IN (SELECT MAX(seq) FROM article_versions GROUP BY article_id)
) v ON v.article_id = a.id;
INSERT INTO search_trigrams (rowid, title, text)
SELECT a.seq, COALESCE(v.title, a.title, ''), COALESCE(v.text, a.text)
FROM articles a LEFT JOIN (
    SELECT article_id, title, text FROM article_versions
    WHERE seq IN (SELECT MAX(seq) FROM article_versions GROUP BY article_id)
) v ON v.article_id = a.id
WHERE a.language IN ('zh', 'ja', 'th', 'lo', 'km', 'my', 'bo', 'dz', 'yue', 'wuu');
INSERT INTO search_vectors (seq, vector) SELECT seq, vector FROM articles;
