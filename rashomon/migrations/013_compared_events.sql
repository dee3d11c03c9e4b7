-- The events whose comparison was made at ingest, whether or not it found anything to show (an
-- event told by one outlet has no comparison row): an ingest compares the events it touched and,
-- once, those stored before comparisons were kept, never every single-outlet event again.
CREATE TABLE compared_events (
    event_id TEXT PRIMARY KEY
);
INSERT OR IGNORE INTO compared_events (event_id) SELECT event_id FROM comparisons;
