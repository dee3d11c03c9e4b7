-- IF NOT EXISTS: a workspace rolled back to an earlier schema version keeps these tables.
-- A profile per outlet, written by the user (rashomon outlets import, the web app with --token):
-- never computed. `outlet` is who tells an article as the pipeline names it (the outlet given
-- with the input, else the site). Groups are the tags: an outlet is in every group it is tagged with.
CREATE TABLE IF NOT EXISTS outlet_profiles (
    outlet     TEXT PRIMARY KEY,
    country    TEXT,                   -- ISO 3166 code or a name, as given
    language   TEXT,                   -- ISO 639 code, as given
    ownership  TEXT,                   -- ownership or affiliation, free text
    tags       TEXT NOT NULL,          -- JSON list of group tags, in the order given
    updated_at TEXT NOT NULL
);

-- The outlet page lists an outlet's articles: outlet, else site.
CREATE INDEX IF NOT EXISTS articles_teller ON articles (COALESCE(NULLIF(outlet, ''), NULLIF(domain, '')));
