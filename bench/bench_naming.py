"""Time the naming comparison on one generated event: 50 articles in 5 languages, 10 outlets.

Articles are the bundled sample's (examples/sample: de, en, es, fr, ru), cleaned and language
detected, cycled to 50 with ten outlet names; each gets a sentence that names the war in Ukraine in
one of several ways, so the lexicon has something to find. Times loading the lexicon (validation
and compilation, once per process), `naming_choices` over all 50, and `distinctive_terms` in each
language; prints the medians of --repeat runs.

Usage: python bench/bench_naming.py [--articles 50] [--repeat 5]
Prints numbers; never gates CI.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon import Document, load_settings, read_paths  # noqa: E402
from rashomon.compare import naming  # noqa: E402
from rashomon.pipeline import prepare  # noqa: E402

NAMES = {
    "de": ["Der Angriffskrieg gegen die Ukraine geht weiter.", "Die sogenannte Sondermilitäroperation dauert an."],
    "en": ["Russia's invasion of Ukraine goes on.", "The special military operation goes on, the Kremlin says."],
    "es": ["La invasión de Ucrania continúa.", "La operación militar especial continúa, dice el Kremlin."],
    "fr": ["La guerre d'agression contre l'Ukraine continue.", "Les événements en Ukraine continuent."],
    "ru": ["Специальная военная операция продолжается.", "Война на Украине продолжается."],
}


def event(count: int) -> list:
    documents = [d for d in read_paths([ROOT / "examples" / "sample"]) if isinstance(d, Document)]
    articles, _ = prepare(documents, load_settings())
    articles = [a for a in articles if a.language in NAMES]
    out = []
    for number in range(count):
        source = articles[number % len(articles)]
        extra = NAMES[source.language or "en"][number % 2]
        out.append(
            dataclasses.replace(
                source, id=f"b{number:03d}", outlet=f"outlet-{number % 10}", text=f"{source.text}\n\n{extra}"
            )
        )
    return out


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    lexicon = naming.load_lexicon()
    loaded = time.perf_counter() - start
    articles = event(args.articles)
    languages = sorted({a.language or "" for a in articles})
    chars = sum(len(a.text) for a in articles)
    first = time.perf_counter()
    naming.naming_choices(articles, lexicon)  # compiles each language's forms once
    first = time.perf_counter() - first
    choices = median_seconds(lambda: naming.naming_choices(articles, lexicon), args.repeat)

    def distinctive() -> None:
        for language in languages:
            by_outlet: dict[str, list] = {}
            for article in articles:
                if article.language == language:
                    by_outlet.setdefault(article.outlet or article.id, []).append(article)
            naming.distinctive_terms(by_outlet, language)

    words = median_seconds(distinctive, args.repeat)
    found = naming.naming_choices(articles, lexicon)
    print(f"event: {len(articles)} articles, {chars:,} characters, languages {', '.join(languages)}, 10 outlets")
    print(f"lexicon: {len(lexicon.referents)} referents, load and validate {loaded:.3f} s")
    print(f"naming_choices: first call {first:.3f} s (compiles forms), then {choices:.3f} s (median)")
    print(f"distinctive_terms, every language: {words:.3f} s (median)")
    print(f"referents named: {', '.join(c.referent for c in found)}")


if __name__ == "__main__":
    main()
