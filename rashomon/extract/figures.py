"""Figures: numbers with their unit or currency and scale words, normalised, with evidence.

:func:`extract_figures` reads every quantity in a text the way the article's locale writes it —
``7.644 Kilometer`` is 7644 km in German, ``41,5 Millionen US-Dollar`` is 41,500,000 USD,
``$25 million`` is 25,000,000 USD, ``60-80 percent`` and ``60 bis 80 Prozent`` are ranges,
``7 644 км`` uses a space for thousands, "vor einem Jahr" / "a year ago" is one year — and keeps
what the number counts ("141 Staaten" → "Staaten"), whether it is hedged ("rund", "about",
"около") or bounded ("mehr als", "up to", "no fewer than") with the qualifier as written, and its
sentence. Counting nouns are scale words: "two dozen" is 24, "une vingtaine" about 20, "двух
десятков" 20.

Spelled-out numbers are read where they are common ("drei Verdächtige", "vingt-trois ans",
"quatre cent vingt millions", "двести пятьдесят человек"); "a", "ein", "un" and "один" count only
before a scale word or a currency, or in an "ago" phrase.

What is not a figure: years standing alone ("seit 2015", "с 2017 года"), anything the dates stage
reads as a date ("28. Februar", "February 28", "28.02.2023", "2-4 июня"), clock times, ordinals
("21. Jahrhundert", "21st", "21-й", "3° posto"), list markers and references ("1.", "(4)", "[4]"),
numbers glued to names ("G20", "Covid-19", "C5+1"), numbers right after a capitalised name
("Resolution 2231", "Boeing 737") or a label ("Artikel 5", "page 12"), scores, phone numbers and
identifiers. Fractions ("zwei Drittel") are skipped rather than misread.

How it reads numbers: decimal and group separators come from CLDR (through Babel) for the given
language; a separator the locale does not use is read by its shape (one separator followed by
exactly three digits is a thousands separator), and such readings get a lower confidence. Scale,
currency, unit, hedge and spelled-out number words are small per-language tables below (de, en,
ru, fr, es, it); with no language the tables are merged, English readings winning conflicts
("billion" is 10⁹ in English, 10¹² in French and German).

:func:`same_quantity` and :func:`figures_differ` compare two figures from different articles: the
same unit and an overlapping "what it counts" make them about the same thing; disjoint values
(what each figure is compatible with, given rounding, hedges and bounds) make them differ.

Measured in ``bench/eval_figures.py`` and ``bench/spotcheck_figures.py``; results and known gaps in
``bench/results/figures.md``.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from ..dates import date_vocabulary
from ..records import Figure
from ..text import sentence_spans

__all__ = ["LANGUAGES", "extract_figures", "figures_differ", "same_quantity"]

LANGUAGES = ("de", "en", "ru", "fr", "es", "it")
"""Languages with their own vocabulary tables; others get separators from CLDR and merged tables."""
T = TypeVar("T")

# -- vocabulary -------------------------------------------------------------------------------
# Each table maps a regular-expression form (matched case-insensitively, whole words) to its
# meaning. Russian forms use stems (\w*) because the noun after a number is inflected.

_SCALES: dict[str, dict[str, float]] = {
    "en": {
        "thousand": 1e3, "thousands": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "mn": 1e6,
        "mln": 1e6, "m": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9, "trillion": 1e12, "tn": 1e12,
    },
    "de": {
        "tausend": 1e3, r"tsd\.": 1e3, "million": 1e6, "millionen": 1e6, r"mio\.": 1e6, "mio": 1e6,
        "milliarde": 1e9, "milliarden": 1e9, r"mrd\.": 1e9, "mrd": 1e9, "billion": 1e12,
        "billionen": 1e12, r"bio\.": 1e12,
    },
    "ru": {
        r"тыс\.": 1e3, "тыс": 1e3, r"тысяч\w*": 1e3, r"млн\.?": 1e6, r"миллион\w*": 1e6,
        r"млрд\.?": 1e9, r"миллиард\w*": 1e9, r"трлн\.?": 1e12, r"триллион\w*": 1e12,
    },
    "fr": {
        "mille": 1e3, "million": 1e6, "millions": 1e6, "milliard": 1e9, "milliards": 1e9,
        "mds": 1e9, "md": 1e9, "mrd": 1e9, "billion": 1e12, "billions": 1e12,
    },
    "es": {
        "mil millones": 1e9, "mil": 1e3, "millón": 1e6, "millon": 1e6, "millones": 1e6,
        "billón": 1e12, "billones": 1e12,
    },
    "it": {
        "mila": 1e3, "mille": 1e3, "milione": 1e6, "milioni": 1e6, r"mln\.?": 1e6, "miliardo": 1e9,
        "miliardi": 1e9, r"mld\.?": 1e9, "mld": 1e9,
    },
}  # fmt: skip
# Counting nouns: "two dozen" is 24, "une vingtaine" about 20, "два десятка" 20, "un centinaio" about 100.
_COUNTING_NOUNS: dict[str, dict[str, float]] = {
    "en": {"dozen": 12},
    "de": {"dutzend": 12},
    "ru": {r"дюжин\w*": 12, "десяток": 10, "десятка": 10, "десятков": 10, r"сотн(?:я|и|ю|ей)": 100},
    "fr": {
        "dizaines?": 10, "douzaines?": 12, "quinzaines?": 15, "vingtaines?": 20, "trentaines?": 30,
        "quarantaines?": 40, "cinquantaines?": 50, "soixantaines?": 60, "centaines?": 100, "milliers?": 1000,
    },
    "es": {"decenas?": 10, "docenas?": 12, "veintenas?": 20, "treintenas?": 30, "centenar(?:es)?": 100,
           "millar(?:es)?": 1000},
    "it": {"decin[ae]": 10, "dozzin[ae]": 12, "ventin[ae]": 20, "trentin[ae]": 30, "cinquantin[ae]": 50,
           "centinai[oa]": 100, "migliai[oa]": 1000},
}  # fmt: skip
for _code, _nouns in _COUNTING_NOUNS.items():
    _SCALES[_code].update(_nouns)
# Of those, the ones that say "about" by themselves ("une vingtaine", "un centinaio", "десяток").
_APPROXIMATE_NOUNS = re.compile(
    r"(?:десят\w*|\w+aines?|decenas?|veintenas?|treintenas?|centenar(?:es)?|millar(?:es)?|decin[ae]|ventin[ae]"
    r"|trentin[ae]|cinquantin[ae]|centinai[oa]|migliai[oa]|milliers?)\Z",
    re.IGNORECASE,
)

_CURRENCY_SYMBOLS = {
    r"US\$": "USD", r"C\$": "CAD", r"A\$": "AUD", r"HK\$": "HKD", r"\$": "USD", "€": "EUR",
    "£": "GBP", "¥": "JPY", "₽": "RUB", "₴": "UAH", "₸": "KZT", "₹": "INR", "₺": "TRY",
    "USD": "USD", "EUR": "EUR", "GBP": "GBP", "RUB": "RUB", "CHF": "CHF", "JPY": "JPY",
    "CNY": "CNY", "UAH": "UAH", "KZT": "KZT", "INR": "INR",
}  # fmt: skip

_CURRENCY_WORDS: dict[str, dict[str, str]] = {
    "en": {
        r"(?:us|u\.s\.|american) dollars?": "USD", "dollars?": "USD", "euros?": "EUR",
        "pounds? sterling": "GBP", "pounds?": "GBP", "(?:russian )?roubles?": "RUB",
        "(?:russian )?rubles?": "RUB", "swiss francs?": "CHF", "yen": "JPY", "yuan": "CNY",
        "renminbi": "CNY", "hryvnias?": "UAH", "tenge": "KZT", "rupees?": "INR",
    },
    "de": {
        "us-dollars?": "USD", "dollars?": "USD", "euros?": "EUR", "pfund sterling": "GBP",
        "britische pfund": "GBP", "pfund": "GBP", "rubel": "RUB", "schweizer franken": "CHF",
        "franken": "CHF", "yen": "JPY", "yuan": "CNY", "hrywnja": "UAH", "griwna": "UAH",
        "tenge": "KZT", "rupien?": "INR", "türkische lira": "TRY",
    },
    "ru": {
        r"долл\w*(?: сша)?": "USD", r"долл\.": "USD", "евро": "EUR", r"фунт\w*(?: стерлингов)?": "GBP",
        r"рубл\w*": "RUB", r"руб\.?": "RUB", r"швейцарских франк\w*": "CHF", r"иен\w*": "JPY",
        r"йен\w*": "JPY", r"юан\w*": "CNY", r"гривн\w*": "UAH", "тенге": "KZT", r"рупи\w*": "INR",
    },
    "fr": {
        r"dollars?(?: américains)?": "USD", "euros?": "EUR", "livres? sterling": "GBP",
        "livres?": "GBP", "roubles?": "RUB", "francs? suisses": "CHF", "yens?": "JPY",
        "yuans?": "CNY", "hryvnias?": "UAH", "tenge": "KZT", "roupies?": "INR",
    },
    "es": {
        r"dólares?(?: estadounidenses)?": "USD", "dolares": "USD", "euros?": "EUR",
        "libras?(?: esterlinas?)?": "GBP", "rublos?": "RUB", "francos? suizos": "CHF", "yenes": "JPY",
        "yuanes": "CNY", "grivnas?": "UAH", "tenge": "KZT", "rupias?": "INR",
    },
    "it": {
        r"dollari(?: (?:statunitensi|americani|usa))?": "USD", "dollaro": "USD", "euro": "EUR",
        "sterline": "GBP", "sterlina": "GBP", "rubli": "RUB", "rublo": "RUB", "franchi svizzeri": "CHF",
        "yen": "JPY", "yuan": "CNY", "grivne": "UAH", "tenge": "KZT", "rupie": "INR",
    },
}  # fmt: skip

_UNIT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "percentage points?": "percentage_point", "per ?cent": "percent", "pct": "percent",
        r"square kilomet(?:er|re)s?": "km2", "sq km": "km2", r"kilomet(?:er|re)s?": "km", "nautical miles?": "nmi", "miles?": "mi", r"nanomet(?:er|re)s?": "nm",
        r"cubic met(?:er|re)s?": "m3",
        r"met(?:er|re)s?": "m", "kilograms?": "kg", "tonnes?": "t", "tons?": "t", "barrels?": "barrel",
        "people": "people", "persons": "people", "hectares?": "ha", "years?": "year", "months?": "month", "weeks?": "week",
        "days?": "day", "hours?": "hour", "minutes?": "minute", "degrees celsius": "degC", "degrees fahrenheit": "degF",
    },
    "de": {
        r"prozentpunkte?n?": "percentage_point", "prozent": "percent", r"quadratkilometer\w*": "km2",
        r"kilometer\w*": "km", r"meter\w*": "m", r"kilogramm\w*": "kg", "tonnen": "t", "tonne": "t",
        r"barrel\w*": "barrel", "menschen": "people", "personen": "people", "hektar": "ha", r"jahr(?:e|en|es)?": "year",
        r"monat(?:e|en|s)?": "month", r"wochen?": "week", "tage": "day", "tagen": "day", "tag": "day",
        r"stunden?": "hour", r"minuten?": "minute", r"grad(?: celsius)?": "degC", r"seemeilen?": "nmi", "meilen": "mi", r"nanometer\w*": "nm", r"kubikmeter\w*": "m3",
    },
    "ru": {
        r"процентн\w+ пункт\w*": "percentage_point", r"п\.\s?п\.": "percentage_point", r"процент\w*": "percent",
        r"квадратных километр\w*": "km2", r"кв\.\s?км": "km2", r"километр\w*": "km", "км": "km", r"морск\w+ мил\w*": "nmi", r"нанометр\w*": "nm", r"кубометр\w*": "m3", r"кубическ\w+ метр\w*": "m3", r"мил[ья]\w*": "mi",
        r"метр\w*": "m", r"килограмм\w*": "kg", "кг": "kg", r"тонн\w*": "t", r"баррел\w*": "barrel",
        "человек": "people", "человека": "people", "людей": "people", r"гектар\w*": "ha", "года": "year", "год": "year", "лет": "year",
        r"месяц\w*": "month", r"недел\w*": "week", "дня": "day", "дней": "day", "день": "day",
        r"час\w*": "hour", r"минут\w*": "minute", r"градус\w*": "degC",
    },
    "fr": {
        r"points? de pourcentage": "percentage_point", "pour ?cent": "percent",
        r"kilomètres? carrés": "km2", r"kilomètres?": "km", r"milles? nautiques": "nmi", r"nanomètres?": "nm", r"mètres? cubes?": "m3", r"mètres?": "m", r"kilogrammes?": "kg",
        "tonnes?": "t", "barils": "barrel", "baril": "barrel", "personnes": "people", "hectares?": "ha", "ans": "year",
        "an": "year", "années": "year", "année": "year", "mois": "month", "semaines?": "week",
        "jours?": "day", "heures?": "hour", "minutes?": "minute", "degrés": "degC",
    },
    "es": {
        r"puntos? porcentuales?": "percentage_point", "por ?ciento": "percent", "por cien": "percent",
        r"kilómetros? cuadrados": "km2", r"kil[óo]metros?": "km", r"millas? náuticas": "nmi", r"nanómetros?": "nm", r"hectómetros? cúbicos?": "hm3",
        r"metros? cúbicos?": "m3", "metros?": "m", "kilos": "kg",
        "kilogramos?": "kg", "toneladas?": "t", "barriles": "barrel", "barril": "barrel",
        "personas": "people", "hect[áa]reas?": "ha", "años?": "year", "meses": "month", "mes": "month", "semanas?": "week",
        r"d[íi]as?": "day", "horas?": "hour", "minutos?": "minute", "grados": "degC",
    },
    "it": {
        r"punti percentuali": "percentage_point", "punto percentuale": "percentage_point",
        "per ?cento": "percent", "chilometri quadrati": "km2", "chilometri": "km", "chilometro": "km",
        "miglia nautiche": "nmi", "nanometri": "nm", "metri cubi": "m3", "metri": "m", "metro": "m", "chili": "kg", "chilogrammi": "kg", "tonnellate": "t", "barili": "barrel",
        "persone": "people", "ettari": "ha", "ettaro": "ha", "anni": "year", "anno": "year", "mesi": "month", "mese": "month",
        "settimane": "week", "settimana": "week", "giorni": "day", "giorno": "day", "ore": "hour",
        "minuti": "minute", "gradi": "degC",
    },
}  # fmt: skip

# Speeds, centimetres, grams and abbreviations met in real news ("57 tn de residuos").
_MORE_UNITS: dict[str, dict[str, str]] = {
    "en": {r"kilomet(?:er|re)s? (?:per|an) hour": "km/h", r"miles (?:per|an) hour": "mph", "mph": "mph",
           r"centimet(?:er|re)s?": "cm", "grams?": "g"},
    "de": {r"stundenkilometer\w*": "km/h", r"kilometer pro stunde": "km/h", r"zentimeter\w*": "cm", "gramm": "g"},
    "ru": {r"километр\w* в час": "km/h", r"сантиметр\w*": "cm", r"грамм\w*": "g"},
    "fr": {r"kilomètres?(?: par |/|à l'|à l’)heure": "km/h", r"centimètres?": "cm", r"grammes?": "g"},
    "es": {r"kil[óo]metros? por hora": "km/h", r"cent[íi]metros?": "cm", r"gramos?": "g", "tn": "t"},
    "it": {r"chilometri (?:orari|all'ora|all’ora|l'ora)": "km/h", "centimetri": "cm", "grammi": "g"},
}  # fmt: skip
for _code, _forms in _MORE_UNITS.items():
    _UNIT_WORDS[_code].update(_forms)

_UNIT_SYMBOLS = {
    "km/h": "km/h", "км/ч": "km/h", "cm": "cm", "см": "cm",
    "%": "percent", "‰": "permille", "km²": "km2", "km2": "km2", "km": "km", "kg": "kg",
    "°c": "degC", "°f": "degF", "°": "degC", "m³": "m3", "m3": "m3", "hm³": "hm3", "hm3": "hm3", "nm": "nm", "mi": "mi", "m": "m", "t": "t", "pp": "percentage_point",
}  # fmt: skip

# Spelled-out numbers. Words for "one" double as articles; they count only before a scale word
# ("eine Million") or in an "ago" phrase ("vor einem Jahr", "a year ago").
_NUMBER_WORDS: dict[str, dict[str, int]] = {
    "en": {
        "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
        "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
        "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
        "hundred": 100, "dozen": 12,
    },
    "de": {
        "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4,
        "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
        "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18,
        "neunzehn": 19, "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "sechzig": 60,
        "siebzig": 70, "achtzig": 80, "neunzig": 90, "hundert": 100,
    },
    "ru": {
        "один": 1, "одна": 1, "одну": 1, "два": 2, "две": 2, "двух": 2, "двое": 2, "три": 3, "трёх": 3,
        "трех": 3, "трое": 3, "четыре": 4, "четырёх": 4, "четырех": 4, "четверо": 4, "пять": 5, "пяти": 5,
        "пятеро": 5, "шесть": 6, "шести": 6, "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9,
        "девяти": 9, "десять": 10, "десяти": 10, "одиннадцать": 11, "двенадцать": 12, "пятнадцать": 15,
        "двадцать": 20, "двадцати": 20, "тридцать": 30, "тридцати": 30, "сорок": 40, "пятьдесят": 50,
        "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80, "девяносто": 90, "сто": 100, "двести": 200,
        "триста": 300, "пятьсот": 500,
        # the other cases ("с пятью министрами", "двумя послами", "более сорока стран"); not "семью" (family)
        "двум": 2, "двумя": 2, "двоих": 2, "трём": 3, "трем": 3, "тремя": 3, "троих": 3, "четырём": 4,
        "четырем": 4, "четырьмя": 4, "четверых": 4, "пятью": 5, "пятерых": 5, "шестью": 6, "шестеро": 6,
        "шестерых": 6, "семеро": 7, "семерых": 7, "восьмью": 8, "восемью": 8, "девятью": 9, "десятью": 10,
        "одиннадцати": 11, "двенадцати": 12, "тринадцать": 13, "тринадцати": 13, "четырнадцать": 14,
        "четырнадцати": 14, "пятнадцати": 15, "шестнадцать": 16, "шестнадцати": 16, "семнадцать": 17,
        "семнадцати": 17, "восемнадцать": 18, "восемнадцати": 18, "девятнадцать": 19, "девятнадцати": 19,
        "двадцатью": 20, "тридцатью": 30, "сорока": 40, "пятидесяти": 50, "шестидесяти": 60, "семидесяти": 70,
        "восьмидесяти": 80, "девяноста": 90, "ста": 100, "двухсот": 200, "трёхсот": 300, "трехсот": 300,
        "пятисот": 500,
    },
    "fr": {
        "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
        "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
        "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50,
        "soixante": 60, "quatre-vingt": 80, "quatre-vingts": 80, "cent": 100, "cents": 100,
    },
    "es": {
        "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
        "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14,
        "quince": 15, "dieciséis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20,
        "veintiún": 21, "veintiuno": 21, "veintidós": 22, "veintitrés": 23, "veinticuatro": 24,
        "veinticinco": 25, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
        "ochenta": 80, "noventa": 90, "cien": 100, "ciento": 100, "doscientos": 200, "trescientos": 300,
        "quinientos": 500,
    },
    "it": {
        "un": 1, "uno": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7,
        "otto": 8, "nove": 9, "dieci": 10, "undici": 11, "dodici": 12, "tredici": 13, "quattordici": 14,
        "quindici": 15, "sedici": 16, "venti": 20, "trenta": 30, "quaranta": 40, "cinquanta": 50,
        "sessanta": 60, "settanta": 70, "ottanta": 80, "novanta": 90, "cento": 100, "duecento": 200,
        "trecento": 300,
    },
}  # fmt: skip
# German writes 21..99 as one word, units first: "dreiundzwanzig".
_NUMBER_WORDS["de"].update(
    {
        f"{unit}und{ten}": value + tens
        for unit, value in (("ein", 1), ("zwei", 2), ("drei", 3), ("vier", 4), ("fünf", 5), ("sechs", 6),
                            ("sieben", 7), ("acht", 8), ("neun", 9))
        for ten, tens in (("zwanzig", 20), ("dreißig", 30), ("vierzig", 40), ("fünfzig", 50), ("sechzig", 60),
                          ("siebzig", 70), ("achtzig", 80), ("neunzig", 90))
    }
)  # fmt: skip
# Spelled-out numbers in several words: "vingt-trois", "quatre cent vingt", "treinta y cinco".
_COMPOUND_JOIN = re.compile(r"-|[ \u00a0](?:(?:et|y|and)[ \u00a0])?")
# Number words that are also ordinary words ("neuf" is "new", "Acht" is "heed", "sei" is "you are"):
# figures only before a noun; "sei" only before a plural one ("sei persone", not "sei pronto").
_AMBIGUOUS_WORDS = frozenset({"neuf", "acht", "sei"})
_PLURAL_AFTER = {"sei": re.compile(r"[ \u00a0]+[^\W\d_]+[ie](?!\w)")}
_YOU_ARE = re.compile(r"(?<!\w)(?:tu|non|ne|ci|se|che|dove|come|chi|quando|perché|ora|già)[ \u00a0]+\Z", re.IGNORECASE)
_ARTICLE_WORDS = frozenset(
    {"a", "an", "one", "ein", "eine", "einen", "einem", "einer", "un", "une", "uno", "una", "один", "одна", "одну"}
)

_APPROX = {
    "en": ["about", "around", "roughly", "approximately", "some", "nearly", "almost", "close to", "an estimated",
           "approx.", "just about", "in the region of", "on the order of", "of the order of", "more or less"],
    "de": ["rund", "etwa", "ca.", "circa", "zirka", "ungefähr", "knapp", "fast", "nahezu", "annähernd",
           "schätzungsweise", "beinahe", "um die"],
    "ru": ["около", "примерно", "приблизительно", "почти", "порядка", "почти что", "где-то", "без малого",
           "ориентировочно", "чуть ли не"],
    "fr": ["environ", "près de", "près d'", "près d’", "quelque", "quelques", "presque", "autour de", "autour d'",
           "autour d’", "approximativement", "aux alentours de", "aux alentours d'", "aux alentours d’"],
    "es": ["alrededor de", "cerca de", "unos", "unas", "aproximadamente", "casi", "en torno a", "más o menos",
           "aproximadamente unos"],
    "it": ["circa", "quasi", "intorno a", "all'incirca", "approssimativamente", "pressoché", "attorno a",
           "più o meno", "all’incirca"],
}  # fmt: skip
# "no fewer than" before "fewer than": the leftmost form that reaches the number wins.
_OVER = {
    "en": ["more than", "over", "at least", "upwards of", "upward of", "in excess of", "well over", "just over",
           "a little over", "a little more than", "slightly more than", "no fewer than", "no less than",
           "not less than", "not fewer than", "a minimum of"],
    "de": ["mehr als", "über", "mindestens", "weit über", "gut", "gut über", "knapp über", "wenigstens",
           "nicht weniger als", "deutlich mehr als", "weit mehr als", "etwas mehr als", "knapp mehr als"],
    "ru": ["более", "более чем", "свыше", "больше", "не менее", "минимум", "как минимум", "по меньшей мере",
           "по крайней мере", "не меньше", "не менее чем", "чуть более", "чуть больше", "немногим более",
           "более чем на", "не меньше чем"],
    "fr": ["plus de", "plus d'", "plus d’", "au moins", "au-delà de", "pas moins de", "pas moins d'",
           "pas moins d’", "un peu plus de", "un peu plus d'", "un peu plus d’", "au minimum", "au bas mot",
           "bien plus de", "largement plus de"],
    "es": ["más de", "al menos", "por lo menos", "como mínimo", "no menos de", "poco más de", "algo más de",
           "un mínimo de", "bastante más de"],
    "it": ["più di", "oltre", "almeno", "non meno di", "poco più di", "come minimo", "ben oltre", "un minimo di"],
}  # fmt: skip
_UNDER = {
    "en": ["less than", "fewer than", "up to", "under", "no more than", "just under", "as many as", "as much as",
           "at most", "not more than", "a maximum of", "a little under", "slightly less than", "just below"],
    "de": ["weniger als", "bis zu", "höchstens", "maximal", "nicht mehr als", "knapp unter", "knapp weniger als",
           "unter"],
    "ru": ["менее", "меньше", "до", "не более", "максимум", "не больше", "не более чем", "чуть менее",
           "чуть меньше", "не свыше", "как максимум"],
    "fr": ["moins de", "moins d'", "moins d’", "jusqu'à", "jusqu’à", "au plus", "pas plus de", "pas plus d'",
           "pas plus d’", "au maximum", "un peu moins de", "un peu moins d'", "un peu moins d’"],
    "es": ["menos de", "hasta", "como máximo", "no más de", "un máximo de", "poco menos de", "algo menos de"],
    "it": ["meno di", "fino a", "al massimo", "non più di", "un massimo di", "poco meno di"],
}  # fmt: skip
_BETWEEN = {"en": ["between"], "de": ["zwischen"], "ru": ["от"], "fr": ["entre", "de"], "es": ["entre", "de"],
            "it": ["tra", "fra", "da"]}  # fmt: skip
_RANGE_TO = {"en": ["to"], "de": ["bis"], "ru": ["до"], "fr": ["à", "au"], "es": ["a", "al"], "it": ["a", "al"]}
_RANGE_AND = {"en": ["and"], "de": ["und"], "ru": ["до"], "fr": ["et", "à"], "es": ["y", "a"], "it": ["e", "a"]}
_AGO_BEFORE = {"de": ["vor"], "fr": ["il y a"], "es": ["hace"]}
_AGO_AFTER = {"en": ["ago"], "ru": ["назад", "тому назад"], "it": ["fa"]}

# Words that say the number right after them is a label, not a quantity.
_LABEL_BEFORE = re.compile(
    r"(?:\b(?:nr|no|nos|art|abs|s|p|pp|ziff|az|tel|fax|vol|bd|ch|av|str)\.|№|#|§|\b(?:nummer|number|numéro|numero|номер|"
    r"artikel|article|articolo|artículo|статья|статьи|seite|page|pagina|página|страниц\w*|kapitel|chapter|"
    r"chapitre|capitolo|capítulo|глав\w*|punkt|point|paragraph|paragraf|absatz|flight|flug|vol|volo|vuelo|рейс\w*|"
    r"route|linie|line|ligne|linea|línea|linia|version|versión|level|stufe|platz|rang|rank|tor|room|zimmer|"
    r"minuto|minute|puerta|gate|calle|rue|avenida|avenue|straße|strasse|street|número|numero))\s*\Z",
    re.IGNORECASE,
)
# German ordinals are written "21. Jahrhundert"; these nouns follow ordinals, not counts.
_ORDINAL_NOUNS = frozenset(
    "jahrhundert jahrhunderts jahrtausend jahrestag jahrestages platz stelle mal runde lauf sitzung amtszeit "
    "klasse etage stock geburtstag todestag jubiläum auflage parteitag gipfel kongress legislaturperiode "
    "spieltag minute tag woche monat quartal halbjahr welle liga bundesliga grades stufe ausgabe".split()
)
# Placeholder nouns: "in Höhe von 41,5 Millionen" says nothing about what is counted.
_PLACEHOLDERS = frozenset(
    "höhe summe betrag wert gesamtwert umfang volumen total amount sum value figure total сумму сумма размере "
    "объем объём montant somme valeur importe cantidad suma valor importo somma valore cifra".split()
)

_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the a an of and or in on at to for by from with as is was were are be been being has have had between "
        "add adds turns turn make made take took get got give gave rise fall grow per cent percent "
        "them they those us we you he she him i me my "
        "it its this that these those their his her our your which who whom whose than then there here "
        "last next this per each every more less over under about around some nearly almost up down "
        "rose fell grew increased decreased dropped climbed reached totalled totaled stood amounted "
        "accounts account accounted worth cost costs costing paid pay spent spend said says will would could "
        "also only just even still another other such all both nearly roughly approximately estimated year "
        "years ago according not no into out so but if while because since when where what how",
        "de": "der die das den dem des ein eine einen einem einer eines und oder in im an am auf für von vom mit zwischen "
        "bei zu zum zur aus um über unter nach vor seit bis als wie ist sind war waren wird werden wurde "
        "wurden sei seien hat haben hatte hätten habe es sie er wir ihr sich nicht auch nur noch rund etwa "
        "knapp fast mehr weniger zuletzt insgesamt gut jeweils pro je dabei damit davon dass welche welcher "
        "welches gestiegen gesunken gewachsen erreicht betragen beträgt betrug stieg sank wuchs lag liegt "
        "höhe",
        "ru": "и в во на с со по к ко о об от до за из у для при под над а но или что это как так же ли бы между "
        "не ни уже еще ещё более менее около почти примерно свыше его ее её их он она они мы вы был была "
        "было были будет составил составила составило составили вырос выросла выросло выросли снизился "
        "снизилась снизилось упал упала сократился достиг достигла году года году прошлом этом",
        "fr": "le la les l un une des du de d au aux et ou en dans sur pour par avec sans sous est sont était entre cent "
        "a ont été être plus moins environ près quelque presque qui que dont ce cette ces son sa ses leur "
        "leurs il elle ils elles on se s ne pas atteint augmenté baissé progressé reculé chaque",
        "es": "el la los las un una unos unas de del al y o e en con por para sin sobre entre es son era fue ciento "
        "ha han sido ser más menos cerca alrededor casi que quien cual este esta estos estas su sus lo se no "
        "aumentó cayó creció alcanzó subió bajó cada",
        "it": "il lo la i gli le un uno una di del della dello dei degli delle da dal dalla a al alla ai agli cento "
        "alle e ed o in nel nella con per su sul sulla tra fra è sono era stato stata essere più meno circa "
        "quasi che chi cui questo questa suo sua loro si non cresciuto calato aumentato raggiunto ogni",
    }.items()
}
_CONNECTORS = re.compile(
    r"\s*(?:(?:of|of the|von|der|des|de|du|des|de la|de los|de las|del|di|della|dei|degli|delle)\s+|d['’]\s*)?",
    re.IGNORECASE,
)
_PURPOSE = re.compile(r"\s+(?:in|на|en)\s+(?=\w)", re.IGNORECASE)  # "$5 million in aid", "на помощь"
_ADJECTIVE_ENDINGS = {
    "en": ("al", "ern", "ic", "ive", "ous", "ful", "ian", "ish", "ese", "ary", "former", "new", "other", "additional",
           "foreign", "military", "civilian", "further", "extra", "major", "key"),
    "ru": ("ых", "их", "ый", "ий", "ая", "яя", "ое", "ее", "ые", "ие", "ого", "его", "ому", "ой", "ей"),
    "fr": (),
    "es": (),
    "it": (),
    "de": (),
}  # fmt: skip

_SPACES = "\u00a0\u202f\u2009\u2007"
# Articles between a range word and the number ("entre el 60 y el 80", "tra il 60 e l'80").
_ARTICLES = r"el|il|i|gli|lo|la|le|les|los|las|the|l['’]"
# Verb endings: a word before a figure with one of these is what happens, not what is counted.
_VERB_ENDINGS = {
    "en": ("ed", "ing"),
    "ru": ("ет", "ют", "ит", "ят", "ил", "ила", "ило", "или", "ал", "ала", "ало", "али", "ел", "ела", "ть", "ся"),
    "fr": ("é", "ée", "és", "ées", "er", "ent", "ait", "aient", "ure"),
    "es": ("ó", "ado", "ada", "ido", "ida", "ar", "er", "ir", "an", "en", "aba", "ene", "iene"),
    "it": ("ato", "ata", "ati", "ito", "ita", "are", "ere", "ire", "ano", "ava", "ura", "ò"),
}


@dataclass(frozen=True)
class _Language:
    """The compiled patterns for one language (or all, when the language is unknown)."""

    code: str | None
    decimal: str | None
    group: str | None
    number: re.Pattern[str]
    second_number: re.Pattern[str]
    number_word: re.Pattern[str]
    number_words: dict[str, int]
    scales: _Table[float]
    scale: re.Pattern[str]
    unit: re.Pattern[str]
    unit_codes: _Table[str]
    currency_before: re.Pattern[str]
    currency_at: re.Pattern[str]
    prefix: re.Pattern[str]
    range_to: re.Pattern[str]
    range_and: re.Pattern[str]
    ago_after: re.Pattern[str]
    stopwords: frozenset[str]
    adjective_endings: tuple[str, ...]


def _alternation(forms: Iterable[str]) -> str:
    return "|".join(sorted(forms, key=lambda f: (-len(f), f)))


def _merge(tables: dict[str, dict[str, T]], languages: tuple[str, ...]) -> dict[str, T]:
    merged: dict[str, T] = {}
    for code in reversed(languages):  # the first language wins a conflict
        merged.update(tables.get(code, {}))
    return merged


def _words(table: dict[str, list[str]], languages: tuple[str, ...]) -> str:
    return _alternation({re.escape(w).replace(r"\ ", r"\s+") for code in languages for w in table.get(code, [])})


@functools.lru_cache(maxsize=32)
def _language(code: str | None) -> _Language:
    languages = (code,) if code in LANGUAGES else ("en", *[c for c in LANGUAGES if c != "en"])
    decimal = group = None
    if code:
        try:
            from babel.numbers import get_decimal_symbol, get_group_symbol

            decimal, group = get_decimal_symbol(code), get_group_symbol(code)
        except Exception:  # unknown locale: read separators by their shape
            decimal = group = None
    # A plain space groups thousands where the locale groups with a space (fr, ru, pl) and, less often,
    # in German, Spanish and Italian news ("800 000 Fass"); English text does not write it.
    space_grouping = code != "en" and code is not None
    spaces = f"[{_SPACES}{' ' if space_grouping else ''}]"
    words: dict[str, int] = {}
    # Spelled-out numbers only in the languages we have tables for; with no language, English ones.
    for lang in reversed(languages if code in LANGUAGES else ("en",) if code is None else ()):
        words.update(_NUMBER_WORDS.get(lang, {}))
    digits = rf"\d{{1,3}}(?:{spaces}\d{{3}})+(?:[.,]\d+)?(?![\d])|\d+(?:[.,]\d+)*"
    word_alt = _alternation(re.escape(w).replace(r"\ ", r"\s+") for w in words) or "(?!)"
    number = re.compile(
        rf"(?<![\w.,/+#№§@&:])(?<!\w[-–]){_digits_group(digits)}|(?<![\w-])(?P<word>{word_alt})(?!\w)",
        re.IGNORECASE,
    )
    second_number = re.compile(rf"{_digits_group(digits)}|(?P<word>{word_alt})(?!\w)", re.IGNORECASE)
    number_word = re.compile(rf"(?:{word_alt})(?!\w)", re.IGNORECASE)
    scales_table: dict[str, float] = _merge(_SCALES, languages)
    scale = re.compile(rf"[ {_SPACES}]?(?P<s>{_alternation(scales_table)})(?![\w])", re.IGNORECASE)
    currency_words: dict[str, str] = _merge(_CURRENCY_WORDS, languages)
    unit_words: dict[str, str] = _merge(_UNIT_WORDS, languages)
    symbols = {re.escape(s) if not s.startswith(("\\", "US", "C", "A", "HK")) else s: c
               for s, c in _CURRENCY_SYMBOLS.items()}  # fmt: skip
    unit_symbols = {re.escape(s): u for s, u in _UNIT_SYMBOLS.items()}
    codes: dict[str, str] = {**currency_words, **unit_words, **symbols, **unit_symbols}
    unit = re.compile(
        rf"(?:[ {_SPACES}]?(?P<u>{_alternation(currency_words | unit_words | symbols)})(?![\w])"
        rf"|[ {_SPACES}]?(?P<sym>{_alternation(unit_symbols)})(?![\w²]))",
        re.IGNORECASE,
    )
    unit_codes = _Table(codes)
    currency_before = re.compile(rf"(?P<c>{_alternation(symbols)})[ {_SPACES}]?\Z")
    currency_at = re.compile(rf"(?:{_alternation(symbols)})[ {_SPACES}]?")
    prefix = re.compile(
        rf"(?:(?<!\w)(?P<approx>{_words(_APPROX, languages)})|(?<!\w)(?P<over>{_words(_OVER, languages)})"
        rf"|(?<!\w)(?P<under>{_words(_UNDER, languages)})|(?<!\w)(?P<between>{_words(_BETWEEN, languages)})"
        rf"|(?<!\w)(?P<ago>{_words(_AGO_BEFORE, languages) or 'a^'}))(?:\s+(?:{_ARTICLES}))?\s*(?<=[\s'’])\Z",
        re.IGNORECASE,
    )
    range_to = re.compile(rf"(?:[ {_SPACES}]?[-–—][ {_SPACES}]?|\s+(?:{_words(_RANGE_TO, languages)})\s+)")
    range_and = re.compile(rf"\s+(?:{_words(_RANGE_AND, languages)})\s+(?:(?:{_ARTICLES})\s*(?<=[\s'’]))?")
    ago_after = re.compile(rf"\s+(?:{_words(_AGO_AFTER, languages) or 'a^'})(?!\w)", re.IGNORECASE)
    hedges = (w for table in (_APPROX, _OVER, _UNDER, _BETWEEN) for lang in languages for w in table.get(lang, []))
    stopwords = frozenset().union(*(_STOPWORDS[lang] for lang in languages), (w for w in hedges if " " not in w))
    endings = tuple(e for lang in languages for e in _ADJECTIVE_ENDINGS.get(lang, ()))
    return _Language(
        code, decimal, group, number, second_number, number_word, words,
        _Table(scales_table), scale, unit,
        unit_codes, currency_before, currency_at, prefix, range_to, range_and, ago_after, stopwords, endings,
    )  # fmt: skip


def _digits_group(digits: str) -> str:
    """The digit alternative of the number pattern as a named group."""
    return f"(?P<digits>{digits})"


class _Table(Generic[T]):
    """Word forms (regular expressions) and their meanings, with a memo of forms already seen."""

    def __init__(self, forms: dict[str, T]) -> None:
        self._patterns = [(re.compile(rf"(?:{form})\Z", re.IGNORECASE), meaning) for form, meaning in forms.items()]
        self._memo: dict[str, T | None] = {}

    def get(self, form: str) -> T | None:
        """The meaning of ``form`` (case-insensitive), or None."""
        key = form.lower()
        if key not in self._memo:
            if len(self._memo) > 20_000:  # forms come from the text: keep the memo bounded
                self._memo.clear()
            self._memo[key] = next((meaning for pattern, meaning in self._patterns if pattern.match(form)), None)
        return self._memo[key]


# -- number reading ---------------------------------------------------------------------------


def _parse_digits(token: str, lang: _Language) -> tuple[Decimal, bool] | None:
    """The value of a digit string in the language's locale, and whether the reading is a guess."""
    spaced = any(ch.isspace() or ch in _SPACES for ch in token)
    compact = re.sub(rf"[\s{_SPACES}]", "", token)
    if spaced:
        integer, _, fraction = compact.replace(".", ",").partition(",")
        return _decimal(integer, fraction), False
    has_dot, has_comma = "." in compact, "," in compact
    if has_dot and has_comma:
        decimal_mark = compact[max(compact.rfind("."), compact.rfind(","))]
        group_mark = "," if decimal_mark == "." else "."
        integer, _, fraction = compact.rpartition(decimal_mark)
        if group_mark in fraction or not _grouped(integer.split(group_mark)):
            return None
        return _decimal(integer.replace(group_mark, ""), fraction), False
    if not (has_dot or has_comma):
        return _decimal(compact, ""), False
    mark = "." if has_dot else ","
    parts = compact.split(mark)
    if len(parts) > 2:
        return (_decimal("".join(parts), ""), mark != lang.group) if _grouped(parts) else None
    integer, fraction = parts
    if lang.decimal == mark:
        return _decimal(integer, fraction), len(fraction) == 3 and lang.code is None
    if lang.group == mark or lang.group is None or mark == ".":
        if len(fraction) == 3 and 1 <= len(integer) <= 3:
            return _decimal(integer + fraction, ""), lang.group != mark
        return _decimal(integer, fraction), True
    return _decimal(integer, fraction), True


def _grouped(parts: list[str]) -> bool:
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


def _decimal(integer: str, fraction: str) -> Decimal:
    return Decimal(f"{integer}.{fraction}" if fraction else integer)  # only ever given ASCII digits


# -- spans that are not figures ---------------------------------------------------------------

_NUMERIC_DATE = re.compile(
    r"\+\d{1,3}(?:[\s./-]?\(?\d{1,5}\)?){2,}|\(?(?<!\d)(?<!\d[ \u00a0])0\d{1,5}\)?[\s/-]\d{3,}(?:[\s-]\d{2,})*"  # phones
    r"|(?<!\w)\d{1,2}\s?h\s?\d{2}(?!\d)|(?<!\w)\d{1,2}\s?(?:h|hs|hrs)(?!\w)"  # clock times "6 h 30", "18h", "9 hs"
    r"|(?<![\w.])(?:\d{1,2}\.\d{1,2}\.(?:\d{2,4}(?!\d))?|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}[:.]\d{2}\s*(?:Uhr|h\b|a\.m\.|p\.m\.|am\b|pm\b|ч\.)|\d{1,2}:\d{2}(?::\d{2})?|\d{1,2}\s*(?:Uhr|a\.m\.|p\.m\.)"
    r"|\d{4}\s*[-–/]\s*\d{2,4}(?!\d))",
    re.IGNORECASE,
)


_DIGIT_GROUPS = re.compile(r"(?<!\d)(?<!\d[.,])\d{1,4}(?:[ \u00a0]\d{1,4}){3,}(?!\d|[.,]\d)")


def _in_date(text: str, start: int, end: int, code: str | None) -> bool:
    """Whether the number at ``start:end`` is part of a date, a clock time or a phone number.

    Only a window around the number is searched, and each pattern only when a cheap test says it
    could match: the dates vocabulary is a long alternation, and running it everywhere would cost
    more than all the rest of the extraction.
    """
    low, high = max(0, start - 30), min(len(text), end + 30)
    window = text[low:high]
    if _MAYBE_PHONE.search(window):
        for found in _DIGIT_GROUPS.finditer(text, max(0, start - 20), high):
            groups = found.group(0).split()
            if found.start() <= start < found.end() and not all(len(g) == 3 for g in groups[1:]):
                return True  # "246 46 5 29 60": a phone number, not thousands
    if _MAYBE_NUMERIC_DATE.search(window):
        for found in _NUMERIC_DATE.finditer(text, low, high):
            if found.start() < end and start < found.end():
                return True
    vocabulary = date_vocabulary(code or "en")
    if vocabulary is not None and any(
        word.lower() in vocabulary.months for word in _LETTERS.findall(text, max(0, start - 16), end + 16)
    ):
        for found in vocabulary.pattern.finditer(text, low, high):
            if found.start() < end and start < found.end():
                return True
    return False


_LETTERS = re.compile(r"[^\W\d_]+")
_MAYBE_PHONE = re.compile(r"\d[ \u00a0]\d+[ \u00a0]\d+[ \u00a0]\d")
# Every _NUMERIC_DATE alternative has a "+", a ":" or "/" or "-" between digits, a dot between digits,
# a leading zero, or an hour word after a number.
_MAYBE_NUMERIC_DATE = re.compile(
    r"\+|\d[:/\-–.]\d|\d\.\d|(?<!\d)0\d|\d\s?(?:uhr|h|hs|hrs|a\.m|p\.m|am|pm|ч)\b|\d{4}\s*[-–/]",
    re.IGNORECASE,
)


# Abbreviations after which a full stop does not end a sentence ("5 Mio. Euro", "ca. 300").
# -- extraction -------------------------------------------------------------------------------


@dataclass
class _Reading:
    start: int
    end: int
    low: Decimal
    high: Decimal | None
    scale: float
    unit: str | None
    guessed: bool
    spelled: bool
    number_end: int
    scale_word: str = ""


def extract_figures(text: str, language: str | None) -> list[Figure]:
    """Figures in ``text``: numbers with unit or currency and scale, normalised, in reading order.

    Args:
        text: The article text (offsets of the figures point into it).
        language: ISO 639-1 code of the text ("de", "en-GB" is read as "en"); None when unknown,
            in which case separators are read by their shape and all vocabularies are tried.

    Returns:
        One :class:`~rashomon.records.Figure` per quantity; a range ("60-80 percent") is one figure.
    """
    if not text:
        return []
    code = (language or "").split("-")[0].split("_")[0].lower() or None
    lang = _language(code)
    sentences = sentence_spans(text, code)
    sentence_starts = [s for s, _ in sentences]
    figures: list[Figure] = []
    consumed = 0
    for match in lang.number.finditer(text):
        if match.start() < consumed:
            continue
        reading = _read(text, match, lang)
        if reading is None:
            continue
        if match.group("digits") and _in_date(
            text, match.start(), reading.number_end if reading.high is None else reading.end, code
        ):
            continue
        figure = _figure(text, reading, lang, sentences, sentence_starts, consumed)
        # A unit before the number ("$ 0") must not reach back into the previous figure ("0$").
        if figure is not None and figure.start >= consumed:
            figures.append(figure)
            consumed = figure.end
    if code in ("ru", None):
        figures.extend(_implicit_ago(text, figures, sentences, sentence_starts))
        figures.sort(key=lambda f: f.start)
    return figures


# Russian says "a year ago" without a number: "год назад", "месяц назад".
_IMPLICIT_AGO = re.compile(r"(?<!\w)(?P<unit>год|месяц|неделю)\s+(?:тому\s+)?назад(?!\w)", re.IGNORECASE)
_IMPLICIT_UNITS = {"год": "year", "месяц": "month", "неделю": "week"}


def _implicit_ago(
    text: str, found: list[Figure], sentences: Sequence[tuple[int, int]], sentence_starts: list[int]
) -> list[Figure]:
    """Figures for "год назад" (one year ago), where no number is written."""
    taken = [(f.start, f.end) for f in found]
    out = []
    for match in _IMPLICIT_AGO.finditer(text):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        s_start, s_end = _sentence_of(sentences, sentence_starts, match.start())
        unit = _IMPLICIT_UNITS[match.group("unit").lower()]
        out.append(
            Figure(match.group(0), match.start(), match.end(), 1.0, None, None, unit, 1.0, "ago", False, None,
                   text[s_start:s_end].strip(), 0.6)
        )  # fmt: skip
    return out


def _number_at(text: str, match: re.Match[str], lang: _Language) -> tuple[Decimal, bool, bool, int] | None:
    """The number a match starts: (value, reading is a guess, spelled out, where it ends)."""
    word = match.group("word")
    if word is not None:
        value, end = _spelled(text, lang.number_words[word.lower()], match.end(), lang)
        return Decimal(value), False, True, end
    parsed = _parse_digits(match.group("digits"), lang)
    if parsed is None:
        return None
    return parsed[0], parsed[1], False, match.end()


def _spelled(text: str, value: int, end: int, lang: _Language) -> tuple[int, int]:
    """Extend a spelled-out number over the words that continue it ("vingt-trois", "quatre cent vingt").

    A word continues the number only where the sum is well formed: a unit after a ten (20 + 3), a
    ten after hundreds (400 + 20), or "hundred" after a unit (4 × 100); "a two-year plan" stays "a".
    """
    total = value
    while True:
        joiner = _COMPOUND_JOIN.match(text, end)
        if joiner is None:
            return total, end
        following = lang.number_word.match(text, joiner.end())
        if following is None:
            return total, end
        next_value = lang.number_words[following.group(0).lower()]
        spaced_and = joiner.group(0).strip(" \u00a0-") != ""
        if next_value == 100 and 1 <= total <= 9 and not spaced_and:
            total *= 100
        elif total >= 20 and total % 10 == 0 and next_value < 10 ** (len(str(total)) - 1):
            total += next_value
        else:
            return total, end
        end = following.end()


def _read(text: str, match: re.Match[str], lang: _Language) -> _Reading | None:
    first = _number_at(text, match, lang)
    if first is None:
        return None
    low, guessed, spelled, end = first
    scale, scale_word = 1.0, ""
    found = lang.scale.match(text, end)
    if found:
        scale_word = found.group("s")
        scale = lang.scales.get(scale_word) or 1.0
        end = found.end()
    high = None
    percent_end = end + 1 if text.startswith("%", end) and lang.range_to.match(text, end + 1) else end
    joiner = lang.range_to.match(text, percent_end)  # "60-80 %", "60%-80%"
    if joiner is None and _between_before(text, match.start(), lang):
        joiner = lang.range_and.match(text, end)
    if joiner:
        after = joiner.end()
        currency = lang.currency_at.match(text, after)
        if currency:
            after = currency.end()
        second = lang.second_number.match(text, after)
        if second:
            parsed = _number_at(text, second, lang)
            if parsed is not None and parsed[0] > low:
                high, guessed = parsed[0], guessed or parsed[1]
                end = parsed[3]
                found = lang.scale.match(text, end)
                if found:
                    if scale == 1.0:
                        scale = lang.scales.get(found.group("s")) or 1.0
                    end = found.end()
    unit = None
    connector = _CONNECTORS.match(text, end) if scale != 1.0 else None
    unit_at = connector.end() if connector and connector.group(0).strip() else end
    found_unit = lang.unit.match(text, unit_at) or (lang.unit.match(text, end) if unit_at != end else None)
    if found_unit:
        form = found_unit.group("u") or found_unit.group("sym")
        unit = lang.unit_codes.get(form)
        end = found_unit.end()
        half = _HALF.match(text, end)
        if half and high is None and unit in _TIME_UNITS:
            low, end = low + Decimal("0.5"), half.end()  # "dos horas y media", "two and a half years" is not read
    return _Reading(match.start(), end, low, high, scale, unit, guessed, spelled, first[3], scale_word)


_HALF_BEFORE = re.compile(r"(?<!\w)half[ \u00a0]+\Z", re.IGNORECASE)
_HALF = re.compile(r"\s+(?:y media|e mezz[oa]|et demie?|and a half|с половиной)(?!\w)", re.IGNORECASE)
_ELIDED = re.compile(r"\s+(?:und|oder|bis|and|or|to|et|ou|y|o|e|и|или)\s", re.IGNORECASE)
_YEAR_BEFORE = re.compile(
    r"(?<!\w)(?:in|im|seit|since|until|from|by|en|depuis|desde|nel|dal|del|в|с|до|anno|jahr|year)[ \u00a0]\Z",
    re.IGNORECASE,
)
# Russian names calendar years with the word for "year": "с 2017 года", "в 2022 году".
_RUSSIAN_YEAR = re.compile(r"(?:1[0-9]|20)\d\d[ \u00a0]+(?:год|года|году|годом|годах|г\.)(?!\w)", re.IGNORECASE)
_TIME_UNITS = ("year", "month", "week", "day", "hour", "minute")
_MINUS_SIGN = re.compile(r"(?<![\w\d])[-−]\Z")
# Spelled minus only before temperatures: "al menos nueve personas" is "at least nine".
_MINUS_WORD = re.compile(r"(?<!\w)(?:minus|минус|moins|menos|meno)\s+\Z", re.IGNORECASE)
# "dos tercios", "two thirds", "zwei Drittel": fractions, not counts (not read yet).
_FRACTION = re.compile(
    r"[ \u00a0]+(?:thirds?|quarters?|fifths?|dritteln?|vierteln?|fünfteln?|tiers|quarts|cinquièmes|tercios?|cuartos?|"
    r"quintos?|terzi|quarti|quinti|трет\w*|четверт\w*|пят(?:ая|ых|ую))(?!\w)",
    re.IGNORECASE,
)
# "il 13", "el 13," "le 13": a bare day of the month in Romance languages.
_DAY_ARTICLE = re.compile(r"(?<!\w)(?:il|el|le|del|al|dal|du|au)[ \u00a0]\Z", re.IGNORECASE)


def _between_before(text: str, start: int, lang: _Language) -> bool:
    found = lang.prefix.search(text, max(0, start - 30), start)
    return bool(found and found.group("between"))


@dataclass
class _Candidate:
    """A reading with its unit settled, as the rules below see it."""

    text: str
    lang: _Language
    reading: _Reading
    start: int  # where the surface starts (a currency symbol before the number included)
    unit: str | None
    scale: float
    sentence_start: int

    @property
    def digits(self) -> str:
        return self.text[self.reading.start : self.reading.number_end]

    @property
    def next_char(self) -> str:
        return self.text[self.reading.number_end : self.reading.number_end + 1]

    @property
    def has_measure(self) -> bool:
        return self.unit is not None or self.scale != 1.0

    @property
    def money(self) -> bool:
        return self.unit is not None and self.unit.isupper()

    def before(self, width: int) -> str:
        return self.text[max(0, self.reading.start - width) : self.reading.start]

    def after(self, width: int) -> str:
        return self.text[self.reading.number_end : self.reading.number_end + width]


# Each rule says why a number is not a quantity; a candidate any rule accepts is dropped.


def _glued_or_compound(c: _Candidate) -> bool:
    """Glued to letters or part of a hyphenated word: "G20", "19th", "5-jährig", "3-2", "28- und 16-…"."""
    r, next_char = c.reading, c.next_char
    if next_char.isalpha() and (r.number_end == r.end or (r.scale == 1.0 and r.unit is None)):
        return True
    if next_char in "-–" and r.high is None and c.after(2)[1:].isalnum():
        return True
    if next_char in "-–" and _ELIDED.match(c.text, r.number_end + 1):
        return True
    return next_char in ("/", ":") and c.after(2)[1:].isdigit()


def _clock_time(c: _Candidate) -> bool:
    """Where a dot groups thousands, "14.30" and "23.00" are clock times."""
    return (
        c.lang.group == "."
        and not c.money
        and c.scale == 1.0
        and c.unit in (None, "hour")
        and re.fullmatch(r"(?:[01]?\d|2[0-4])\.[0-5]\d", c.digits) is not None
    )


def _after_a_label(c: _Candidate) -> bool:
    """A label before it: "Artikel 5", "page 12", "Nr. 3", "calle 152"."""
    return _LABEL_BEFORE.search(c.text[max(c.sentence_start, c.start - 16) : c.start]) is not None


def _ordinal_with_a_dot(c: _Candidate) -> bool:
    """ "21. Jahrhundert", "zum 3. ordentlichen Parteitag": a dot and a lower-case word or an ordinal noun."""
    if c.next_char != "." or c.has_measure:
        return False
    following = re.match(r"\.\s+(\w+)", c.after(40))
    return bool(following and (following.group(1)[0].islower() or following.group(1).lower() in _ORDINAL_NOUNS))


def _code_or_phone(c: _Candidate) -> bool:
    """Leading zeros, a "+" before, or seven digits and more without a unit: codes and phone numbers."""
    r = c.reading
    if not r.spelled and c.digits[:1] == "0" and c.digits[1:2].isdigit():
        return True
    if c.before(1) == "+" or c.before(2) == "+ ":
        return True
    return not r.spelled and not c.has_measure and re.fullmatch(r"\d{7,}", c.digits) is not None


def _list_marker_or_reference(c: _Candidate) -> bool:
    """ "1." / "(1)" starting a line or following a sentence, "[4]", and decades ("Anni ’80")."""
    if c.has_measure:
        return False
    text, r = c.text, c.reading
    line_start = text.rfind("\n", 0, r.start) + 1
    if text[line_start : r.start].strip() in ("", "(") and re.match(r"[.)]\s", c.after(2)):
        return True
    if (
        re.match(r"[.)][ \u00a0]+[^\W\d_]", c.after(4))
        and c.after(3)[2:].isupper()
        and re.search(r"[.:;!?][ \u00a0]+\Z", c.before(3))
    ):
        return True
    if c.before(1) == "[" and c.next_char == "]":
        return True
    return re.search(r"(?<![^\W\d_])['’]\Z", c.before(2)) is not None  # but "l'80 per cento" has a unit


def _fraction(c: _Candidate) -> bool:
    """ "zwei Drittel", "dos tercios": fractions are not read yet, so not misread as counts."""
    return not c.has_measure and _FRACTION.match(c.text, c.reading.number_end) is not None


def _day_of_month(c: _Candidate) -> bool:
    """ "il 13," / "el 13." in Romance languages: a day of the month, not a count."""
    r = c.reading
    return (
        not c.has_measure
        and not r.spelled
        and r.high is None
        and c.lang.code in ("it", "es", "fr")
        and 1 <= r.low <= 31
        and _DAY_ARTICLE.search(c.text, max(0, c.start - 5), c.start) is not None
        and not _followed_by_word(c.text, r.number_end)
    )


def _calendar_year(c: _Candidate) -> bool:
    """ "seit 2015", "2020-2023", "In 1757," and Russian "с 2017 года" are years, not counts."""
    r = c.reading
    if c.unit == "year" and r.high is None and not r.spelled and _RUSSIAN_YEAR.match(c.text, r.start):
        return True
    if c.has_measure or r.spelled:
        return False
    if r.high is None and re.fullmatch(r"1[89]\d\d|20\d\d|2100", c.digits):
        return True
    if r.high is None and re.fullmatch(r"1[0-7]\d\d", c.digits):
        if _YEAR_BEFORE.search(c.text, max(0, r.start - 8), r.start):
            return True
    return r.high is not None and 1800 <= r.low <= 2100


def _ordinal_degree(c: _Candidate) -> bool:
    """ "al 3° posto": in Spanish and Italian a lone degree sign marks an ordinal."""
    return (
        c.unit == "degC"
        and c.text[c.reading.start : c.reading.end].rstrip().endswith("°")
        and (c.lang.code in ("es", "it", "pt"))
    )


def _after_a_name(c: _Candidate) -> bool:
    """Right after a capitalised word that is not a sentence start: "Resolution 2231", "Boeing 737".

    German capitalises nouns, so there a following noun keeps it ("Regierung 500 Soldaten").
    """
    if c.has_measure or c.reading.spelled:
        return False
    window_start = max(c.sentence_start, c.reading.start - 30)
    before = re.search(r"(\w[\w.-]*)[ \u00a0]\Z", c.text[window_start : c.reading.start])
    if not before or not before.group(1)[0].isupper() or before.start() + window_start <= c.sentence_start:
        return False
    word = before.group(1).lower()
    noun_follows = c.lang.code == "de" and re.match(r"\s+[A-ZÄÖÜ]", c.after(3))
    return word not in c.lang.stopwords and c.lang.unit_codes.get(word) is None and not noun_follows


_NOT_A_FIGURE = (
    _glued_or_compound,
    _clock_time,
    _after_a_label,
    _ordinal_with_a_dot,
    _code_or_phone,
    _list_marker_or_reference,
    _fraction,
    _day_of_month,
    _calendar_year,
    _ordinal_degree,
    _after_a_name,
)


def _settle_unit(text: str, r: _Reading, lang: _Language) -> tuple[int, str | None, float] | None:
    """Where the surface starts and the unit and scale, with a currency symbol before the number."""
    start, unit, scale = r.start, r.unit, r.scale
    currency = lang.currency_before.search(text, max(0, start - 5), start)
    if currency and (not currency.group("c")[0].isalpha() or _word_boundary_before(text, currency.start())):
        start = currency.start()
        if unit is None or unit in ("m", "t"):
            unit = lang.unit_codes.get(currency.group("c"))
    money = unit is not None and unit.isupper()
    written = text[r.start : r.end]
    if scale == 1e6 and re.search(r"\d\s?m\b", written, re.IGNORECASE) and not money:
        scale, unit = 1.0, unit or "m"  # "100 m" is metres; "$25m" is millions
    if scale == 1e3 and re.search(r"\d\s?k\b", written, re.IGNORECASE) and not money:
        return None  # "5k" outside money is a race or a resolution, not a thousand
    return start, unit, scale


def _figure(
    text: str,
    r: _Reading,
    lang: _Language,
    sentences: Sequence[tuple[int, int]],
    sentence_starts: list[int],
    previous_end: int,
) -> Figure | None:
    settled = _settle_unit(text, r, lang)
    if settled is None:
        return None
    start, unit, scale = settled
    end = r.end
    sentence_start, sentence_end = _sentence_of(sentences, sentence_starts, r.start)
    candidate = _Candidate(text, lang, r, start, unit, scale, sentence_start)
    if any(rule(candidate) for rule in _NOT_A_FIGURE):
        return None
    has_measure, money, token_end = candidate.has_measure, candidate.money, r.number_end

    low = r.low
    if (
        lang.decimal == ","
        and scale == 1.0
        and unit in (None, "people")
        and r.high is None
        and re.fullmatch(r"\d{1,3},\d{3}", candidate.digits)
    ):
        low = Decimal(candidate.digits.replace(",", ""))  # a count is not "31,520 deaths" = 31.52
        r.guessed = True
    value_low = low * Decimal(repr(scale))
    value_high = r.high * Decimal(repr(scale)) if r.high is not None else None
    half = _HALF_BEFORE.search(text, max(0, start - 6), start) if r.scale_word.lower() == "dozen" else None
    if half and r.high is None:
        value_low, start = value_low / 2, half.start()  # "half a dozen" is six
    minus = _MINUS_SIGN.search(text, max(0, start - 2), start)
    if minus is None and unit in ("degC", "degF"):
        minus = _MINUS_WORD.search(text, max(0, start - 8), start)
    if minus and r.high is None:
        value_low, start = -value_low, minus.start()

    prefix = lang.prefix.search(text, max(0, start - 30), start)
    time_unit = unit in ("year", "month", "week", "day", "hour")
    approximate, bound, qualifier = _qualifier(text, prefix, has_measure, time_unit)
    if r.scale_word and _APPROXIMATE_NOUNS.search(r.scale_word):
        approximate = True  # "une vingtaine", "un centinaio", "десяток"
    ago = False
    if prefix and prefix.group("ago") and time_unit:
        ago, start = True, prefix.start()
    suffix = lang.ago_after.match(text, end)
    if suffix and time_unit:
        ago, end = True, suffix.end()

    word = text[r.start : token_end].lower()
    if r.spelled and word in _ARTICLE_WORDS and scale == 1.0 and not ago and not money:
        return None  # "a"/"ein"/"один" count before a scale word or a currency ("одну гривну"), not "ein Barrel Brent"
    if word in _AMBIGUOUS_WORDS and not has_measure and not _followed_by_content_word(text, token_end, lang):
        return None  # "un bâtiment neuf et moderne", "außer Acht lassen"
    if (
        word in _PLURAL_AFTER
        and not has_measure
        and (not _PLURAL_AFTER[word].match(text, token_end) or _YOU_ARE.search(text, max(0, r.start - 12), r.start))
    ):
        return None  # "sei persone" is six; "tu sei felice", "non sei pronto" are "you are"
    if r.spelled and r.high is None and not has_measure and not _followed_by_word(text, token_end):
        if not re.match(r"\s*[.,;:!?)]", text[token_end : token_end + 2]):
            return None  # a spelled-out number counts before a word ("drei Verdächtige") or ends a clause

    counts = "ago" if ago else _counts(text, max(sentence_start, previous_end), sentence_end, start, end, lang)
    if counts is None and unit == "people":
        counts = _unit_word(text, r.end)
    confidence = 0.9 if has_measure else 0.75 if counts else 0.55
    if r.spelled:
        confidence -= 0.2
    if r.guessed:
        confidence -= 0.25
    return Figure(
        text=text[start:end],
        start=start,
        end=end,
        value=float(value_low) if value_high is None else None,
        low=float(value_low) if value_high is not None else None,
        high=float(value_high) if value_high is not None else None,
        unit=unit,
        scale=scale,
        counts=counts,
        approximate=approximate,
        bound=bound,
        sentence=text[min(sentence_start, start) : max(sentence_end, end)].strip(),
        confidence=round(max(confidence, 0.1), 2),
        qualifier=qualifier,
    )


# A word before Russian "до" that says "to" (a change), not "up to": "выросло до", "снижение до"
# (past tense, reflexive, infinitive and -ние nouns; "грозит до 8 лет" stays "up to").
_CHANGE_BEFORE_DO = re.compile(
    r"(?<!\w)(?:\w+(?:ся|сь|л|ла|ло|ли|ть|ние|нием|ния)|рост|роста|ростом)\s+\Z", re.IGNORECASE
)


def _qualifier(
    text: str, prefix: re.Match[str] | None, has_measure: bool, time_unit: bool
) -> tuple[bool, str | None, str | None]:
    """(hedged, bound, the qualifier as written) from the words just before a number."""
    if prefix is None:
        return False, None, None
    kind = next((k for k in ("approx", "over", "under") if prefix.group(k)), None)
    if kind is None:
        return False, None, None
    written = prefix.group(kind)
    form = " ".join(written.lower().split())
    if kind == "under" and form in ("до", "unter") and not has_measure:
        return False, None, None  # "до 5" is too often "until 5", "unter 300 Bewerbern" "among"
    if kind == "under" and form == "до" and _CHANGE_BEFORE_DO.search(text, max(0, prefix.start() - 30), prefix.start()):
        return False, None, None  # "выросло до 15 процентов": grew to, not up to
    if kind == "over" and form in ("over", "über") and time_unit:
        return False, None, None  # "läuft über fünf Jahre", "over five years": a period, not a bound
    bound = None if kind == "approx" else "over" if kind == "over" else "under"
    return kind == "approx", bound, " ".join(written.split())


def _unit_word(text: str, end: int) -> str | None:
    """The last word of a figure's surface (the unit word, e.g. "Menschen")."""
    words = _WORD.findall(text[max(0, end - 30) : end])
    return words[-1] if words else None


def _word_boundary_before(text: str, index: int) -> bool:
    return index == 0 or not text[index - 1].isalnum()


def _followed_by_content_word(text: str, index: int, lang: _Language) -> bool:
    following = re.match(r"[ \u00a0]+([^\W\d_]+)", text[index : index + 30])
    return following is not None and following.group(1).lower() not in lang.stopwords


def _followed_by_word(text: str, index: int) -> bool:
    return bool(re.match(r"[ \u00a0]+[^\W\d_]", text[index : index + 3]))


def _sentence_of(sentences: Sequence[tuple[int, int]], starts: list[int], index: int) -> tuple[int, int]:
    position = bisect.bisect_right(starts, index) - 1
    return sentences[position] if position >= 0 else (0, 0)


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _counts(text: str, s_start: int, s_end: int, start: int, end: int, lang: _Language) -> str | None:
    """What a figure counts: the noun phrase after it, else the nearest content noun before it."""
    connector = _CONNECTORS.match(text, end, s_end)
    if connector is None or not connector.group(0).strip():
        connector = _PURPOSE.match(text, end, s_end)
    position = connector.end() if connector else end
    forward = _phrase_after(text, position, s_end, lang)
    if forward:
        return forward
    return _noun_before(text, s_start, start, lang)


def _is_content(word: str, lang: _Language) -> bool:
    lower = word.lower()
    return (
        len(word) > 1 and lower not in lang.stopwords and lower not in _PLACEHOLDERS and lower not in lang.number_words
    )


def _phrase_after(text: str, position: int, s_end: int, lang: _Language) -> str | None:
    words: list[str] = []
    for match in _WORD.finditer(text, position, min(s_end, position + 80)):
        gap = text[position : match.start()]
        if gap.strip():
            break  # punctuation ends the phrase
        word = match.group(0)
        position = match.end()
        lower = word.lower()
        if not words and lower in ("der", "die", "das", "den", "dem", "des", "the", "le", "la", "les", "el", "il"):
            continue  # an article before the counted noun ("mit 7.644 Kilometern die längste Landgrenze")
        if not _is_content(word, lang) or lang.unit_codes.get(lower) is not None:
            break
        words.append(word)
        if lang.code == "de":
            if word[0].isupper():
                return " ".join(words)
            if len(words) >= 3:
                return None
            continue
        if lang.code in ("en", "ru", None) and len(words) < 3:
            if lower.endswith(lang.adjective_endings) or (lang.code == "en" and word[0].isupper()):
                continue
        return " ".join(words)
    if lang.code == "de":
        return None
    return " ".join(words) or None


def _noun_before(text: str, s_start: int, start: int, lang: _Language) -> str | None:
    window = re.split(r"[,;:()\[\]–—\"“”„«»]", text[max(s_start, start - 80) : start])[-1]
    words = [m.group(0) for m in _WORD.finditer(window)]
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        if not _is_content(word, lang) or lang.unit_codes.get(word.lower()) is not None:
            continue
        if lang.code == "de" and not word[0].isupper():
            continue
        if word.lower().endswith(_VERB_ENDINGS.get(lang.code or "en", ())):
            continue  # verb forms ("allocated", "составляет") are not what is counted
        return word
    return None


# -- comparison -------------------------------------------------------------------------------


def figure_terms(figure: Figure) -> set[str]:
    """Crude stems of the words a figure counts: first five letters of each content word."""
    if not figure.counts:
        return set()
    return {w.lower()[:5] for w in _WORD.findall(figure.counts) if len(w) > 2}


def same_quantity(a: Figure, b: Figure) -> bool:
    """Whether two figures (e.g. from two outlets) are about the same thing.

    They are when they have the same unit (both None counts as the same) and their ``counts``
    phrases share a term, compared by their first five letters so inflections meet ("Staaten" and
    "Staat", "states" and "state"). Across languages the terms rarely meet, so this errs towards
    "not the same"; the caller can compare translated ``counts`` instead.
    """
    if a.unit != b.unit:
        return False
    if a.counts == b.counts == "ago":
        return True
    return bool(figure_terms(a) & figure_terms(b))


def figures_differ(a: Figure, b: Figure, tolerance: float = 0.0) -> bool:
    """Whether two figures about the same thing (see :func:`same_quantity`) give different numbers.

    Each figure stands for an interval of values it is compatible with: a range is its low..high; a
    scaled number covers what rounds to it ("3,05 Milliarden" is 3.045–3.055 billion, "$25 million"
    24.5–25.5 million); a hedged one ("rund", "about") is widened by 10 %; "more than" opens it
    upwards, "up to" downwards. ``tolerance`` widens both by a further relative amount. They differ
    when the intervals do not overlap ("141 states" and "143 states" differ; "60-80 percent" and
    "about 88 percent" do not). Figures about different things never differ.
    """
    if not same_quantity(a, b):
        return False
    a_low, a_high = compatible_interval(a, tolerance)
    b_low, b_high = compatible_interval(b, tolerance)
    return a_high < b_low or b_high < a_low


def compatible_interval(figure: Figure, tolerance: float = 0.0) -> tuple[float, float]:
    """The interval of values a figure is compatible with (see :func:`figures_differ`)."""
    low, high = figure.interval
    if figure.scale != 1.0:
        written = f"{abs(low) / figure.scale:.6f}".rstrip("0").rstrip(".")
        decimals = len(written.partition(".")[2])
        slack = 0.5 * 10**-decimals * figure.scale
        low, high = low - slack, high + slack
    slack_low = abs(low) * (tolerance + (0.1 if figure.approximate else 0.0))
    slack_high = abs(high) * (tolerance + (0.1 if figure.approximate else 0.0))
    low, high = low - slack_low, high + slack_high
    if figure.bound == "over":
        high = math.inf
    elif figure.bound == "under":
        low = -math.inf
    return low, high
