"""Country linking (names, adjectives, demonyms) and capitals against ``../shared/bench/ner/aliases``.

Data (evaluation only, never copied into the repository):

* ``countries.jsonl``: 250 countries with names in en, de, ru, fr, es, it, pl, English and
  French demonyms and the English capital (world-countries, ODbL; i18n-iso-countries, MIT).
* ``nerel-wikidata-ru.jsonl``: every Russian surface form NEREL links to a Wikidata entity,
  inflected ("российского", "американских"). NEREL's countries are matched to ISO codes
  through their Russian names in ``countries.jsonl``.

Measures, each word or name looked up alone the way :func:`rashomon.extract.canonical.link_entities`
does for a recognised place (LOC):

* names: recall of the right ISO code for every country name, per language; precision over
  the names that got a code;
* demonyms (en, fr): recall and precision of the adjective lookup;
* NEREL (ru): recall over the forms of NEREL's countries (names and lower-case adjectives);
  precision over the forms that link to a country, counting the country's own forms and every
  one-word form of another entity (a person's, a city's or an organisation's form linked to a
  country is an error); the share of NATIONALITY forms ("русские") linked to some country;
* capitals: the English capital name gives a ``CAP:`` key of its own country.

Usage: python bench/eval_places.py [--data DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon.extract.canonical import _known_key  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "ner" / "aliases"
LANGUAGES = ("de", "en", "ru", "fr", "es", "it", "pl")


def code_of(surface: str, language: str) -> str | None:
    known = _known_key(surface, "LOC", language)
    return known[0][4:] if known and known[0].startswith("ISO:") else None


def _ratio(hit: int, total: int) -> float:
    return round(hit / total, 3) if total else 0.0


def evaluate(data: Path) -> dict[str, float]:
    countries = [json.loads(line) for line in (data / "countries.jsonl").read_text(encoding="utf-8").splitlines()]
    out: dict[str, float] = {}
    # Country names, per language.
    total_hit = total_all = total_found = 0
    for language in LANGUAGES:
        hit = found = total = 0
        for country in countries:
            for name in country["names"].get(language, []):
                code = code_of(name, language)
                total += 1
                found += code is not None
                hit += code == country["cca2"]
        out[f"names_recall_{language}"] = _ratio(hit, total)
        out[f"names_precision_{language}"] = _ratio(hit, found)
        total_hit, total_all, total_found = total_hit + hit, total_all + total, total_found + found
    out["names_recall"] = _ratio(total_hit, total_all)
    out["names_precision"] = _ratio(total_hit, total_found)
    # Demonyms (English and French, masculine and feminine).
    for language in ("en", "fr"):
        hit = found = total = 0
        for country in countries:
            for form in set(country.get("demonyms", {}).get(language, {}).values()):
                written = form if language == "en" else form.lower()  # French adjectives are lower case
                code = code_of(written, language)
                total += 1
                found += code is not None
                hit += code == country["cca2"]
        out[f"demonyms_recall_{language}"] = _ratio(hit, total)
        out[f"demonyms_precision_{language}"] = _ratio(hit, found)
    # Capitals.
    hit = total = 0
    for country in countries:
        for capital in country.get("capital_en", [])[:1]:
            known = _known_key(capital, "LOC", "en")
            total += 1
            hit += bool(known and known[0].startswith("CAP:") and known[0][4:6] == country["cca2"])
    out["capitals_recall"] = _ratio(hit, total)
    # NEREL (Russian): forms of countries, and every form that links to a country.
    nerel_path = data / "nerel-wikidata-ru.jsonl"
    if nerel_path.exists():
        by_russian_name = {name.lower(): c["cca2"] for c in countries for name in c["names"].get("ru", [])}
        hit = total = found = correct = nationality_total = nationality_linked = 0
        errors: Counter[str] = Counter()
        for line in nerel_path.read_text(encoding="utf-8").splitlines():
            entity = json.loads(line)
            gold = None
            if entity["nerel_type"] == "COUNTRY":  # matched by its name or any form that is a country name
                written = [entity["name"] or "", *entity["forms_ru"]]
                gold = next((by_russian_name[w.lower()] for w in written if w.lower() in by_russian_name), None)
            for form in entity["forms_ru"]:
                code = code_of(form, "ru")
                if gold:
                    total += 1
                    hit += code == gold
                if entity["nerel_type"] == "NATIONALITY":  # "русские": a people, linked to a country by design
                    nationality_total += 1
                    nationality_linked += code is not None
                    continue
                # Precision over single words: a longer form of another entity may rightly hold a
                # country's name ("посольство России"), which a recogniser would not tag as a place.
                if entity["nerel_type"] == "COUNTRY" and not gold:  # no ISO code known for it: not scored
                    continue
                if code and (gold or " " not in form.strip()):
                    found += 1
                    correct += code == gold
                    if code != gold:
                        errors[f"{entity['nerel_type']}:{form}->{code}"] += 1
        out["nerel_country_forms_recall"] = _ratio(hit, total)
        out["nerel_country_precision"] = _ratio(correct, found)
        out["nerel_nationality_forms_linked"] = _ratio(nationality_linked, nationality_total)
        out["_nerel_errors"] = errors.most_common(15)  # type: ignore[assignment]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scores = evaluate(args.data)
    if args.json:
        print(json.dumps(scores, ensure_ascii=False, indent=2))
        return
    for key, value in scores.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
