"""Extract stage: who, what, how much — entities, quotes and figures, with evidence.

One module per extractor: :mod:`.entities` (named entities and their canonical
forms), :mod:`.quotes` (direct and marked indirect speech with speakers) and
:mod:`.figures` (numbers with units, currencies and scale words, normalised).
Each works on one :class:`~rashomon.records.Article` at a time and keeps the
sentence every finding came from.
"""
