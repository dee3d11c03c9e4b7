"""Ingest stage: inputs in, :class:`~rashomon.records.Document` or :class:`~rashomon.records.Rejected` out.

One module per kind of source:

* :mod:`rashomon.ingest.sources` — one entry point for every kind of argument below;
* :mod:`rashomon.ingest.files` — files and folders: ``.txt``, ``.html``, ``.json``, ``.jsonl``,
  and WARC archives through :mod:`rashomon.ingest.warc`;
* :mod:`rashomon.ingest.html` — the HTML extraction layer every HTML source goes through;
* :mod:`rashomon.ingest.fetch` — the polite, SSRF-safe HTTP fetcher;
* :mod:`rashomon.ingest.feeds` — RSS, Atom, JSON Feed, OPML and URL lists, and feed polling.

Every reader follows one contract: it never raises for bad content; a bad input
comes out as a ``Rejected`` naming the source and the reason, with its raw bytes.
"""

from .files import (
    SUPPORTED,
    decode_text,
    detect_binary,
    iter_files,
    make_id,
    read_file,
    read_paths,
)

__all__ = ["SUPPORTED", "decode_text", "detect_binary", "iter_files", "make_id", "read_file", "read_paths"]
