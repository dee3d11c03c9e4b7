-- Which event holds each article and which storyline holds each event, so an ingest loads only
-- the groups its new articles can reach (by published date) and their storylines, not every group.
CREATE TABLE event_articles (
    article_id TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL
);
CREATE INDEX event_articles_event ON event_articles (event_id);
CREATE TABLE storyline_events (
    event_id     TEXT PRIMARY KEY,
    storyline_id TEXT NOT NULL
);
CREATE INDEX storyline_events_storyline ON storyline_events (storyline_id);
CREATE INDEX events_last_seen ON events (last_seen);
CREATE INDEX events_first_seen ON events (first_seen);

INSERT OR REPLACE INTO event_articles (article_id, event_id)
SELECT item.value, events.id FROM events, json_each(events.article_ids) AS item;
INSERT OR REPLACE INTO storyline_events (event_id, storyline_id)
SELECT item.value, storylines.id FROM storylines, json_each(storylines.event_ids) AS item;
