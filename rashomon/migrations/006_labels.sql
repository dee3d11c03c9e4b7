-- Labels drawn from the articles: the central headline, the label terms with their evidence, storyline dates.
ALTER TABLE events ADD COLUMN headline TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN terms TEXT NOT NULL DEFAULT '[]';
ALTER TABLE storylines ADD COLUMN headline TEXT NOT NULL DEFAULT '';
ALTER TABLE storylines ADD COLUMN terms TEXT NOT NULL DEFAULT '[]';
ALTER TABLE storylines ADD COLUMN first_seen TEXT;
ALTER TABLE storylines ADD COLUMN last_seen TEXT;
