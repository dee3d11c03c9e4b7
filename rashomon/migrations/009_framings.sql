-- Framing labels of each article (rashomon.compare.framing): genre, frames, techniques per paragraph.
CREATE TABLE framings (
    article_id TEXT PRIMARY KEY REFERENCES articles(id),
    data       TEXT NOT NULL           -- JSON: the Framing record
);
