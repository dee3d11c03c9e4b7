-- Near copies (syndication): the article this one copies, and how similar the texts are.
ALTER TABLE articles ADD COLUMN copy_of TEXT;
ALTER TABLE articles ADD COLUMN copy_similarity REAL;
