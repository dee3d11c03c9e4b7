"""Ingest stage: inputs in, :class:`~rashomon.records.Document` or :class:`~rashomon.records.Rejected` out.

One module per kind of source:

* :mod:`rashomon.ingest.files` — files and folders: ``.txt``, ``.html``, ``.json``, ``.jsonl``.

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
