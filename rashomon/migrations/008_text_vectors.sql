-- Embeddings of texts the compare stage aligns (sentences), kept so that comparing a stored event
-- again does not embed its sentences again. Keyed by a hash of the embedder's name and the text.
CREATE TABLE text_vectors (
    key    TEXT PRIMARY KEY,
    vector BLOB NOT NULL               -- float32, the embedder's dimension
);
