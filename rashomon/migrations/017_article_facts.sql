-- What lists, facets, timelines and outlet counts read of every article (Workspace.article_facts,
-- Workspace.tellers), answered from this index alone. Without it each row is read from the table,
-- where `domain` (added by 005) sits after the texts and the vector: SQLite walks every row's
-- overflow pages to reach it (about 8x slower at 1,000 articles).
CREATE INDEX IF NOT EXISTS articles_facts ON articles (seq, id, title, language, outlet, domain, published);
