-- Who wrote it and which site (domain) published it.
ALTER TABLE articles ADD COLUMN author TEXT;
ALTER TABLE articles ADD COLUMN domain TEXT;
