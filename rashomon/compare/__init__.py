"""Compare stage: how the outlets covering one event differ, with evidence.

One module per finding: claims and their coverage (which outlet carries which
statement), disagreements (figures, speakers, contradictions), naming choices
(contested terms and outlet-distinctive words), voices (who each outlet quotes),
framing (genre, frames, persuasion techniques) and the story brief. Each works on
records the earlier stages made and points every finding at its sentences.
"""
