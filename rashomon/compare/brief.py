"""The story brief: what happened, then how the outlets differ — every line cited.

Extractive: "what happened" is the consensus claims (:mod:`.claims`), each told by one of
its own sentences — in the reader's language when an outlet in that language carries it,
else in the original with its language shown. "How they differ" lists, per outlet, the
salient claims only it makes and what it leaves out that most others report, then the
disagreements, naming choices and voices; these lines are short statements (in English)
that quote the words and link to the sentences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..records import BriefLine, Claim, Disagreement, Evidence, Source, Voice

HAPPENED = 5
"""Consensus claims in "what happened"."""

PER_SOURCE = 2
"""Unique claims and omissions shown per outlet."""


def _pick(claim: Claim, reader_language: str) -> Evidence:
    for sentence in claim.sentences:
        if sentence.language == reader_language:
            return sentence
    return claim.sentences[0]


def _line(section: str, kind: str, evidence: Evidence, source: str | None, claim: Claim) -> BriefLine:
    return BriefLine(section, kind, evidence.text, evidence.language, source, claim.sentences, claim.confidence)


def story_brief(
    sources: Sequence[Source],
    claims: Sequence[Claim],
    consensus: Sequence[str],
    unique: Sequence[tuple[str, Sequence[str]]],
    omissions: Sequence[tuple[str, Sequence[str]]],
    disagreements: Sequence[Disagreement],
    voices: Sequence[Voice],
    reader_language: str = "en",
    extra: Sequence[BriefLine] = (),
) -> tuple[BriefLine, ...]:
    """The brief's lines, "what happened" first; ``extra`` (naming, framing) goes after the disagreements."""
    by_id: Mapping[str, Claim] = {claim.id: claim for claim in claims}
    lines: list[BriefLine] = []
    happened = [by_id[cid] for cid in consensus] or [c for c in claims if len(c.sources) > 1]
    for claim in happened[:HAPPENED]:
        lines.append(_line("happened", "consensus", _pick(claim, reader_language), None, claim))
    for teller, ids in unique:
        for cid in list(ids)[:PER_SOURCE]:
            claim = by_id[cid]
            lines.append(_line("differs", "unique", claim.sentences[0], teller, claim))
    for teller, ids in omissions:
        for cid in list(ids)[:PER_SOURCE]:
            claim = by_id[cid]
            lines.append(_line("differs", "omits", _pick(claim, reader_language), teller, claim))
    for finding in disagreements[:6]:
        lines.append(
            BriefLine("differs", "disagreement", finding.summary, "en", None, finding.items, finding.confidence)
        )
    lines.extend(extra)
    for source in sources:
        heard = [v for v in voices if v.source == source.id and (v.quoted or v.paraphrased)]
        if not heard:
            continue
        text = "quotes " + ", ".join(f"{v.name} ({v.quoted + v.paraphrased})" for v in heard[:5])
        evidence = tuple(e for v in heard[:5] for e in v.evidence[:1])
        lines.append(BriefLine("differs", "voices", text, "en", source.id, evidence, 1.0))
    return tuple(lines)
