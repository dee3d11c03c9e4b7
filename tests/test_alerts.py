"""Alerts: watches, what each ingest records for them, the webhook, the /alerts page and its Atom feed."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from conftest import strike_record
from test_web import HOSTILE_TITLES, Client, Page

from rashomon import HashingEmbedder, Workspace, ingest, load_settings
from rashomon.alerts import add_watch, check, send_webhook, set_webhook, watch_id
from rashomon.cli import cli
from rashomon.errors import InputError, NotFound, QueryError
from rashomon.records import Alert
from rashomon.search import entity_ids
from rashomon.web import create_app

ATOM = "{http://www.w3.org/2005/Atom}"


def _copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / "ws"))


def _ingest(ws: Workspace, tmp_path: Path, records: list[dict], name: str) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    ingest([path], ws, load_settings(embedder="hashing"), HashingEmbedder())


def test_alerts_a_watch_is_saved_once_and_checked_on_save(groups_workspace: Path, tmp_path: Path) -> None:
    with Workspace(_copy(groups_workspace, tmp_path)) as ws:
        first = add_watch(ws, "search", "Hamburg strike")
        assert add_watch(ws, "search", "Hamburg strike") == first and first.id == watch_id("search", "Hamburg strike")
        assert add_watch(ws, "event", "ev-s1").label
        with pytest.raises(QueryError):
            add_watch(ws, "search", '"unclosed')
        with pytest.raises(NotFound):
            add_watch(ws, "event", "ev-none")
        with pytest.raises(NotFound):
            add_watch(ws, "entity", "en-none")
        assert [w.kind for w in ws.watches()] == ["search", "event"]


def test_alerts_ingest_records_matches_blindspots_and_a_group_joining(groups_workspace: Path, tmp_path: Path) -> None:
    with Workspace(_copy(groups_workspace, tmp_path)) as ws:
        watch = add_watch(ws, "search", "Hamburg strike")
        _ingest(ws, tmp_path, [strike_record("Wire Two", 7, "Trucks queue at the gates.")], "one")
        first = ws.alerts()
        kinds = sorted(a.kind for a in first)
        assert kinds == ["blindspot", "blindspot", "match"], kinds
        match = next(a for a in first if a.kind == "match")
        assert match.article_id == "s7" and match.event_id == "ev-s1" and match.data["outlet"] == "Wire Two"
        spot = next(a for a in first if a.kind == "blindspot" and a.data["group"] == "state-affiliated")
        assert spot.data["covered_by"] == "wire" and spot.data["quiet_outlets"] == [["State Voice", 0]]
        # The state outlet joins the story: a match, and its groups join (the first check only noted them).
        _ingest(ws, tmp_path, [strike_record("State Voice", 8, "Officials blame foreign agitators.")], "two")
        second = [a for a in ws.alerts() if a.seq > max(b.seq for b in first)]
        assert sorted((a.kind, a.data.get("group")) for a in second) == [
            ("group-joined", "RU"),
            ("group-joined", "state-affiliated"),
            ("match", None),
        ]
        assert next(a for a in second if a.kind == "group-joined").data["outlets"] == [["State Voice", 1]]
        # The same inputs again add nothing; every alert belongs to the watch.
        _ingest(ws, tmp_path, [strike_record("State Voice", 8, "Officials blame foreign agitators.")], "two")
        assert len(ws.alerts()) == len(first) + len(second)
        assert {a.watch_id for a in ws.alerts()} == {watch.id}


def test_alerts_an_ingest_touching_no_watched_story_records_nothing(groups_workspace: Path, tmp_path: Path) -> None:
    with Workspace(_copy(groups_workspace, tmp_path)) as ws:
        add_watch(ws, "event", "ev-e5")
        _ingest(ws, tmp_path, [strike_record("Wire Two", 7, "Trucks queue at the gates.")], "one")
        assert ws.alerts() == []
        assert check(ws, []) == []


def test_alerts_read_only_the_stories_the_ingest_touched(groups_workspace: Path, tmp_path: Path, monkeypatch) -> None:
    with Workspace(_copy(groups_workspace, tmp_path)) as ws:
        add_watch(ws, "search", "Hamburg OR Freedonia")  # matches articles of both stories
        asked: list[list[str]] = []
        read = ws.comparisons
        monkeypatch.setattr(ws, "comparisons", lambda ids=None: asked.append(sorted(ids or [])) or read(ids))
        _ingest(ws, tmp_path, [strike_record("Wire Two", 7, "Trucks queue at the gates.")], "one")
        assert asked == [["ev-s1"]]  # the election's event is not read
        assert {a.article_id for a in ws.alerts() if a.kind == "match"} == {"s7"}


def test_alerts_a_failing_alert_step_never_fails_the_ingest(
    groups_workspace: Path, tmp_path: Path, monkeypatch, caplog
) -> None:
    import rashomon.alerts

    def broken(*args, **kwargs):
        raise RuntimeError("alerts broke")

    monkeypatch.setattr(rashomon.alerts, "check", broken)
    with Workspace(_copy(groups_workspace, tmp_path)) as ws:
        add_watch(ws, "search", "Hamburg")
        with caplog.at_level(logging.WARNING, logger="rashomon.pipeline"):
            _ingest(ws, tmp_path, [strike_record("Wire Two", 7, "Trucks queue at the gates.")], "one")
        assert "s7" in ws.article_ids() and "alerts broke" in caplog.text


@pytest.mark.slow
def test_alerts_a_watched_entity_records_the_differing_aid_sums(seeds_workspace: Path, tmp_path: Path) -> None:
    with Workspace(_copy(seeds_workspace, tmp_path)) as ws:
        watch = add_watch(ws, "entity", entity_ids(ws.connection, "Blinken")[0])
        found = check(ws, sorted(ws.article_ids()), deliver=False)
        figures = [a for a in found if a.kind == "figures"]
        assert figures and all(a.watch_id == watch.id for a in found)
        values = {side["value"] for a in figures for side in a.data["sides"]}
        assert {"41,5 Millionen US-Dollar", "$25 million", "$20 million"} & values
        assert {a.kind for a in found} >= {"match", "figures"}
        assert check(ws, sorted(ws.article_ids()), deliver=False) == []  # recorded once


# -- the webhook ------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[bytes] = []
    delay = 0.0

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        time.sleep(self.delay)
        self.bodies.append(self.rfile.read(int(self.headers["content-length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def receiver():
    _Receiver.bodies = []
    _Receiver.delay = 0.0
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver
    server.shutdown()
    server.server_close()


def test_alerts_new_alerts_are_posted_to_the_webhook_as_json(groups_workspace: Path, tmp_path: Path, receiver) -> None:
    url, handler = receiver
    with Workspace(_copy(groups_workspace, tmp_path)) as ws:
        add_watch(ws, "search", "Hamburg strike")
        set_webhook(ws, url)
        _ingest(ws, tmp_path, [strike_record("Wire Two", 7, "Trucks queue at the gates.")], "one")
        (body,) = handler.bodies
        posted = json.loads(body)["alerts"]
        assert sorted(a["id"] for a in posted) == sorted(a.id for a in ws.alerts())
        with pytest.raises(InputError):
            set_webhook(ws, "file:///etc/passwd")


def test_alerts_a_webhook_that_fails_or_hangs_is_logged_not_raised(receiver, caplog) -> None:
    url, handler = receiver
    alert = Alert("al-x", "wa-x", "match", "a summary")
    with caplog.at_level(logging.WARNING, logger="rashomon.alerts"):
        assert send_webhook("http://127.0.0.1:9/none", [alert], timeout=1.0) is False
        handler.delay = 3.0
        started = time.monotonic()
        assert send_webhook(url, [alert], timeout=0.2) is False
        assert time.monotonic() - started < 2.0  # cut off at its timeout, not after the receiver's delay
    assert caplog.text.count("webhook") >= 2


# -- the page and the feed --------------------------------------------------------------------


@pytest.fixture()
def hostile_alerts(hostile_workspace: Path, tmp_path: Path) -> Path:
    """The hostile workspace with a watch whose matches carry the hostile titles, and an alert
    holding characters XML cannot hold."""
    folder = _copy(hostile_workspace, tmp_path)
    with Workspace(folder) as ws:
        watch = add_watch(ws, "search", "minister")
        check(ws, sorted(ws.article_ids()), deliver=False)
        ws.save_alerts([Alert("al-ctl", watch.id, "match", "bell\x07 <b>and</b> & \x1b tab\t")], {})
    return folder


def test_web_alerts_atom_feed_is_valid_xml_with_every_string_escaped(hostile_alerts: Path) -> None:
    client = Client(create_app(hostile_alerts))
    response = client.get("/alerts.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert len(entries) == 3 and titles[0] == "bell <b>and</b> &  tab\t"
    assert {t for t in titles[1:]} == {
        f"minister: new article from Outlet {n} <b>bold</b>: {HOSTILE_TITLES[n]}" for n in (0, 1)
    }
    assert all(e.findtext(f"{ATOM}id").startswith("urn:rashomon:alert:al-") for e in entries)
    assert all(e.find(f"{ATOM}link").get("href").startswith("http://rashomon.test/articles/") for e in entries[1:])
    assert b"<script>" not in response.content


def test_web_alerts_page_lists_watches_and_alerts_newest_first_with_keyset_pages(hostile_alerts: Path) -> None:
    client = Client(create_app(hostile_alerts))
    data = client.get("/alerts.json").json()
    assert [w["target"] for w in data["watches"]] == ["minister"] and len(data["alerts"]) == 3
    seqs = [a["seq"] for a in data["alerts"]]
    assert seqs == sorted(seqs, reverse=True)
    first = client.get("/alerts.json?size=2").json()
    rest = client.get(f"/alerts.json?size=2&before={first['next_before']}").json()
    assert [a["id"] for a in first["alerts"] + rest["alerts"]] == [a["id"] for a in data["alerts"]]
    assert rest["next_before"] is None
    page = client.get("/alerts")
    assert page.status_code == 200 and "<script>window" not in page.text and "<b>and</b>" not in page.text
    parsed = Page(page.text)
    assert parsed.alternate() == "/alerts.json"
    assert any(t == "link" and a.get("type") == "application/atom+xml" for t, a in parsed.elements)
    assert len([a for t, a in parsed.elements if t == "li" and "data-alert" in a]) == 3
    watch = data["watches"][0]["id"]
    assert len(client.get(f"/api/alerts?watch={watch}").json()["alerts"]) == 3
    assert Client(create_app(hostile_alerts), raise_errors=False).get("/alerts.json?watch=wa-none").status_code == 404


def test_cli_alerts_add_list_show_webhook_remove(groups_workspace: Path, tmp_path: Path) -> None:
    folder = str(_copy(groups_workspace, tmp_path))
    runner = CliRunner()
    added = runner.invoke(cli, ["alerts", "add", "search", "Hamburg strike", "--workspace", folder])
    assert added.exit_code == 0, added.output
    watch = added.output.split()[0]
    assert watch.startswith("wa-")
    listed = json.loads(runner.invoke(cli, ["alerts", "list", "--workspace", folder, "--json"]).output)
    assert [w["id"] for w in listed] == [watch]
    with Workspace(Path(folder)) as ws:
        _ingest(ws, tmp_path, [strike_record("Wire Two", 7, "Trucks queue at the gates.")], "one")
    shown = json.loads(runner.invoke(cli, ["alerts", "show", "--workspace", folder, "--json"]).output)
    assert {a["kind"] for a in shown} == {"match", "blindspot"}
    assert "match" in runner.invoke(cli, ["alerts", "show", "--workspace", folder]).output
    assert runner.invoke(cli, ["alerts", "webhook", "http://127.0.0.1:1/x", "--workspace", folder]).exit_code == 0
    assert "127.0.0.1:1" in runner.invoke(cli, ["alerts", "webhook", "--workspace", folder]).output
    assert runner.invoke(cli, ["alerts", "webhook", "ftp://x", "--workspace", folder]).exit_code == 1
    assert runner.invoke(cli, ["alerts", "webhook", "--clear", "--workspace", folder]).exit_code == 0
    assert runner.invoke(cli, ["alerts", "add", "event", "ev-none", "--workspace", folder]).exit_code == 1
    assert runner.invoke(cli, ["alerts", "remove", watch, "--workspace", folder]).exit_code == 0
    assert runner.invoke(cli, ["alerts", "remove", watch, "--workspace", folder]).exit_code == 1
    with Workspace(Path(folder)) as ws:
        assert ws.watches() == [] and ws.alerts() == []
