"""Synthetic people with known duplicates, for entity-resolution benchmarks.

Writes N FollowTheMoney ``Person`` entities as JSON lines (one
``{"id", "schema", "properties"}`` object a line) and the truth: which records
are the same real person. About a quarter of the real people have one to three
extra records, each with the noise real registers and leaks have: typos
(characters swapped, dropped, replaced, doubled), the name in "Last First"
order or only as a full name, an initial instead of the first name, upper-case
names, the name in Cyrillic (an approximate Latin -> Cyrillic letter map),
missing fields, a birth year instead of the date, a digit typo in the date,
identity numbers written with spaces or dashes, abbreviated addresses.

Names come in six styles (Slavic, English, Spanish/Portuguese, German/Nordic,
Italian, Turkish/Arabic): about 280 real first names and 6,000 surnames made
by combining syllables with a suffix of the style, drawn with a Zipf-like skew:
namesakes exist (as in any real register), but most people differ in name or
birth date. The pools are the same for every seed; the records depend only on
``n`` and the seed. Entity ids are random and carry no hint of the truth.

    python bench/gen_people.py --n 100000 --out DIR [--seed 1]
        writes DIR/people.ftm.json and DIR/truth.csv (entity_id,cluster_id)

From Python, ``generate(n, seed)`` returns ``(entities, truth)`` in memory;
the CLI streams (an external shuffle through temporary bucket files of
100,000 records), so memory stays at a few tens of MB whatever n; 20,000
records take 0.3 s on the 2-vCPU development machine, so n = 1,000,000
should take well under a minute.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime
import itertools
import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

#: The name pools do not depend on the data seed.
POOL_SEED = 7_302_011
#: Share of real people with duplicate records, and how many they have.
DUPLICATE_SHARE = 0.25
EXTRA_RECORDS = ((1, 0.60), (2, 0.27), (3, 0.13))

# -- name pools ---------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    name: str
    countries: tuple[str, ...]
    onsets: tuple[str, ...]
    vowels: tuple[str, ...]
    codas: tuple[str, ...]
    surname_suffixes: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    weight: float


def w(words: str) -> tuple[str, ...]:
    """Space-separated words as a tuple ("-" for the empty string)."""
    return tuple("" if word == "-" else word for word in words.split())


# First names are real ones (about 300 in all); surnames are made from
# syllables and a suffix typical of the style (about 6,000 in all).
STYLES = (
    Style(
        "slavic",
        w("ru ua by bg rs pl kz"),
        w("b v d g k l m n p r s t z br dr gr kr pr st sv vl zh ch sh kh"),
        w("a a o o e i u"),
        w("- - - n r l s k"),
        w("ov ev in enko sky uk ich ovich ak chenko"),
        w(
            "Ivan Sergei Dmitry Alexei Mikhail Nikolai Vladimir Andrei Oleg Yuri Pavel Igor "
            "Viktor Boris Roman Denis Maxim Artem Anton Grigory Taras Bohdan Petro Vasyl "
            "Stanislav Miroslav Zoran Goran Dragan Piotr Tomasz Krzysztof"
        ),
        w(
            "Olga Natalia Elena Irina Svetlana Tatiana Marina Anna Yulia Ekaterina Oksana "
            "Lyudmila Galina Vera Nadezhda Daria Ksenia Alina Milena Jelena Agnieszka Katarzyna"
        ),
        1.6,
    ),
    Style(
        "english",
        w("gb us ie au ca nz"),
        w("b c d f g h j k l m n p r s t w br ch cl cr fl gr sh st th tr wh"),
        w("a e i o u a e ea oo"),
        w("- - n r ll ck d t m s"),
        w("son ton ley ford wood er ham well by field man"),
        w(
            "John James Robert Michael William David Richard Thomas Charles Daniel Matthew "
            "Mark Paul Steven Andrew Kevin Brian George Edward Peter Patrick Sean Liam Noah "
            "Oliver Harry Jack Samuel Henry"
        ),
        w(
            "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Emily "
            "Emma Olivia Charlotte Grace Chloe Hannah Rachel Laura Rebecca Megan Siobhan"
        ),
        1.5,
    ),
    Style(
        "iberian",
        w("es mx ar co pt br cl pe"),
        w("b c d f g j l m n p r s t v ll ch br fr gu qu"),
        w("a e i o u a o"),
        w("- - - n r l s"),
        w("ez es era ano ado eira ales ido osa ares"),
        w(
            "Jose Juan Carlos Luis Javier Miguel Antonio Manuel Francisco Pedro Alejandro "
            "Diego Fernando Jorge Rafael Sergio Pablo Andres Ricardo Joao Tiago Rodrigo "
            "Eduardo Mateo"
        ),
        w(
            "Maria Carmen Ana Isabel Lucia Sofia Laura Marta Elena Paula Beatriz Camila "
            "Valentina Gabriela Daniela Fernanda Ines Mariana Rosa Pilar"
        ),
        1.3,
    ),
    Style(
        "germanic",
        w("de at ch nl dk se no"),
        w("b d f g h k l m n r s t w br fr gr kl kr sch st tr"),
        w("a e i o u ei au"),
        w("- n r l rt nd ck ns"),
        w("mann berg stein er sen ling hof feld bach dorf"),
        w(
            "Hans Peter Klaus Wolfgang Jurgen Stefan Thomas Andreas Michael Markus Dieter "
            "Uwe Frank Lars Sven Erik Jan Pieter Dirk Henrik Nils Matthias Florian Tobias"
        ),
        w(
            "Anna Ursula Monika Petra Sabine Claudia Katrin Heike Birgit Ingrid Astrid Greta "
            "Karin Lena Johanna Sanne Femke Maja Frida Elke"
        ),
        1.2,
    ),
    Style(
        "italian",
        w("it sm mt"),
        w("b c d f g l m n p r s t v br ch sc tr gr"),
        w("a e i o u a o"),
        w("- - - n l r"),
        w("ini etti elli one ucci ardi ani otti ese ari"),
        w(
            "Giuseppe Giovanni Antonio Mario Luigi Francesco Angelo Vincenzo Pietro Salvatore "
            "Carlo Franco Domenico Bruno Paolo Marco Luca Matteo Alessandro Lorenzo Andrea"
        ),
        w(
            "Maria Anna Giuseppina Rosa Angela Giovanna Teresa Lucia Carmela Francesca "
            "Chiara Giulia Alessia Martina Federica Silvia Elisa Valentina"
        ),
        1.0,
    ),
    Style(
        "turkic_arabic",
        w("tr az eg ae lb jo ma sa"),
        w("b d f h j k kh l m n r s sh t y z"),
        w("a e i o u a a"),
        w("- - n r m d l t"),
        w("oglu an i ar dar ci soy ani avi ah"),
        w(
            "Mehmet Mustafa Ahmet Ali Huseyin Hasan Ibrahim Ismail Osman Yusuf Murat Emre "
            "Omar Ahmed Mohammed Khalid Tariq Karim Samir Rashid Faisal Hamza Youssef Nabil"
        ),
        w(
            "Fatma Ayse Emine Hatice Zeynep Elif Merve Leyla Aylin Fatima Aisha Mariam "
            "Noura Layla Salma Yasmin Huda Rania Samira Amira"
        ),
        1.1,
    ),
)

VOWELS = set("aeiouy")


def _surname(rng: random.Random, style: Style) -> str:
    parts = [rng.choice(style.onsets) + rng.choice(style.vowels)]
    if rng.random() < 0.6:
        parts.append(rng.choice(style.onsets) + rng.choice(style.vowels))
    parts.append(rng.choice(style.codas))
    root = "".join(parts)
    suffix = rng.choice(style.surname_suffixes)
    if root[-1] in VOWELS and suffix[0] in VOWELS:
        root = root[:-1]
    return root + suffix


def _plausible(word: str) -> bool:
    run = 0
    for ch in word:
        run = run + 1 if ch in VOWELS else 0
        if run > 2:
            return False
    return 4 <= len(word) <= 13 and not any(
        a == b == c for a, b, c in zip(word, word[1:], word[2:], strict=False)
    )


def _make_pool(rng: random.Random, size: int, make: Any) -> list[str]:
    seen: set[str] = set()
    pool: list[str] = []
    tries = 0
    while len(pool) < size and tries < size * 50:
        tries += 1
        word = make()
        if _plausible(word) and word not in seen:
            seen.add(word)
            pool.append(word.capitalize())
    return pool


@dataclass(frozen=True)
class Pools:
    male: list[str]
    female: list[str]
    surnames: list[str]
    male_cum: list[float]
    female_cum: list[float]
    surname_cum: list[float]


def _zipf_cum(size: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, size + 1)))


def _build_pools() -> dict[str, Pools]:
    rng = random.Random(POOL_SEED)
    pools: dict[str, Pools] = {}
    for style in STYLES:
        male, female = list(style.male), list(style.female)
        # Popular names first, in an order that does not favour the alphabet.
        rng.shuffle(male)
        rng.shuffle(female)
        surnames = _make_pool(rng, 1000, lambda s=style: _surname(rng, s))
        pools[style.name] = Pools(
            male,
            female,
            surnames,
            _zipf_cum(len(male), 0.7),
            _zipf_cum(len(female), 0.7),
            _zipf_cum(len(surnames), 0.6),
        )
    return pools


POOLS = _build_pools()
STYLE_CUM = list(itertools.accumulate(s.weight for s in STYLES))
ALL_COUNTRIES = sorted({c for s in STYLES for c in s.countries})


def _place(rng: random.Random) -> str:
    style = rng.choice(STYLES)
    parts = [rng.choice(style.onsets) + rng.choice(style.vowels) for _ in range(2)]
    return "".join(parts) + rng.choice(style.codas)


_CITY_RNG = random.Random(POOL_SEED + 1)
CITIES = _make_pool(_CITY_RNG, 400, lambda: _place(_CITY_RNG))
STREETS = _make_pool(_CITY_RNG, 600, lambda: _place(_CITY_RNG))
STREET_KINDS = (("Street", "St."), ("Avenue", "Ave."), ("Road", "Rd."), ("Lane", "Ln."))


def pick(rng: random.Random, items: Sequence[str], cum: list[float]) -> str:
    return items[bisect.bisect_left(cum, rng.random() * cum[-1])]


# -- noise --------------------------------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(rng: random.Random, word: str) -> str:
    """One character swapped with its neighbour, dropped, replaced or doubled
    (never the first character, as in most real typos)."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.random()
    if op < 0.3:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op < 0.55:
        return word[:i] + word[i + 1 :]
    if op < 0.85:
        return word[:i] + rng.choice(LETTERS) + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


CYRILLIC_MULTI = (
    ("shch", "щ"),
    ("sch", "ш"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ya", "я"),
    ("yu", "ю"),
    ("yo", "ё"),
    ("ph", "ф"),
    ("th", "т"),
    ("ck", "к"),
    ("ee", "и"),
    ("oo", "у"),
)
CYRILLIC_SINGLE = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        w("а б к д е ф г х и дж к л м н о п к р с т у в в кс й з"),
        strict=True,
    )
)


def to_cyrillic(text: str) -> str:
    """An approximate transliteration, Latin -> Cyrillic, word by word (case of
    each word's first letter kept)."""
    out = []
    for word in text.split(" "):
        low = word.lower()
        res = []
        i = 0
        while i < len(low):
            for latin, cyr in CYRILLIC_MULTI:
                if low.startswith(latin, i):
                    res.append(cyr)
                    i += len(latin)
                    break
            else:
                res.append(CYRILLIC_SINGLE.get(low[i], low[i]))
                i += 1
        cyr_word = "".join(res)
        if word[:1].isupper():
            cyr_word = cyr_word[:1].upper() + cyr_word[1:]
        if word.isupper() and len(word) > 1:
            cyr_word = cyr_word.upper()
        out.append(cyr_word)
    return " ".join(out)


def date_typo(rng: random.Random, iso: str) -> str:
    """The date with one digit changed, still a valid date."""
    for _ in range(20):
        pos = rng.choice((2, 3, 3, 5, 6, 8, 9, 9))
        digit = rng.choice("0123456789")
        if digit == iso[pos]:
            continue
        cand = iso[:pos] + digit + iso[pos + 1 :]
        try:
            datetime.date.fromisoformat(cand)
        except ValueError:
            continue
        return cand
    return iso


def format_id(rng: random.Random, value: str) -> str:
    """The same identifier written differently: spaces, dashes, lower case."""
    op = rng.random()
    if op < 0.4:
        return f"{value[:2]} {value[2:5]} {value[5:]}"
    if op < 0.8:
        return f"{value[:2]}-{value[2:]}"
    return value.lower()


# -- people -------------------------------------------------------------------

DATE_START = datetime.date(1940, 1, 1).toordinal()
DATE_END = datetime.date(2005, 12, 31).toordinal()


@dataclass
class TruePerson:
    first: str
    last: str
    birth: str
    nationality: str
    id_number: str | None
    street: tuple[int, str, int, str] | None


def make_person(rng: random.Random) -> TruePerson:
    style = STYLES[bisect.bisect_left(STYLE_CUM, rng.random() * STYLE_CUM[-1])]
    pools = POOLS[style.name]
    female = rng.random() < 0.5
    if female:
        first = pick(rng, pools.female, pools.female_cum)
    else:
        first = pick(rng, pools.male, pools.male_cum)
    last = pick(rng, pools.surnames, pools.surname_cum)
    if female and style.name == "slavic":
        if last.endswith(("ov", "ev", "in")):
            last += "a"
        elif last.endswith("sky"):
            last = last[:-1] + "aya"
    birth = datetime.date.fromordinal(rng.randint(DATE_START, DATE_END)).isoformat()
    # Most people hold a passport of the country their name suggests.
    home = rng.random() < 0.85
    nationality = rng.choice(style.countries if home else ALL_COUNTRIES)
    id_number = None
    if rng.random() < 0.4:
        id_number = (
            rng.choice(LETTERS).upper()
            + rng.choice(LETTERS).upper()
            + f"{rng.randrange(10_000_000):07d}"
        )
    street = None
    if rng.random() < 0.45:
        street = (
            rng.randint(1, 250),
            rng.choice(STREETS),
            rng.randrange(len(STREET_KINDS)),
            rng.choice(CITIES),
        )
    return TruePerson(first, last, birth, nationality, id_number, street)


def _address(street: tuple[int, str, int, str], short: bool, lower: bool) -> str:
    number, name, kind, city = street
    text = f"{number} {name} {STREET_KINDS[kind][1 if short else 0]}, {city}"
    return text.lower() if lower else text


NOISE = (
    ("typo_first", 2.0),
    ("typo_last", 2.5),
    ("swap_order", 1.0),
    ("initial", 1.0),
    ("full_name_only", 1.0),
    ("upper", 0.7),
    ("cyrillic", 1.0),
    ("year_only", 1.2),
    ("date_typo", 0.8),
    ("no_date", 0.8),
    ("id_format", 0.8),
    ("address_variant", 0.7),
)
NOISE_NAMES = [n for n, _ in NOISE]
NOISE_CUM = list(itertools.accumulate(w for _, w in NOISE))


def person_record(
    rng: random.Random, person: TruePerson, entity_id: str, noisy: bool
) -> dict[str, Any]:
    """One record of ``person``: the first record of a person has fields
    missing at random but no other noise; a ``noisy`` one gets one to three
    kinds of noise as well."""
    noise: set[str] = set()
    if noisy:
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            noise.add(NOISE_NAMES[bisect.bisect_left(NOISE_CUM, rng.random() * NOISE_CUM[-1])])
    first, last = person.first, person.last
    if "typo_first" in noise:
        first = typo(rng, first)
    if "typo_last" in noise:
        last = typo(rng, last)
    if "cyrillic" in noise:
        first, last = to_cyrillic(first), to_cyrillic(last)
    if "upper" in noise:
        first, last = first.upper(), last.upper()
    props: dict[str, list[str]] = {}
    if "initial" in noise:
        props["name"] = [f"{first[0]}. {last}"]
        props["lastName"] = [last]
    elif "swap_order" in noise:
        props["name"] = [f"{last} {first}"]
    else:
        props["name"] = [f"{first} {last}"]
        if "full_name_only" not in noise and rng.random() < 0.85:
            props["firstName"] = [first]
            props["lastName"] = [last]
    if "no_date" not in noise and rng.random() < (0.85 if noisy else 0.93):
        birth = person.birth
        if "date_typo" in noise:
            birth = date_typo(rng, birth)
        if "year_only" in noise or rng.random() < 0.04:
            birth = birth[:4]
        props["birthDate"] = [birth]
    if rng.random() < (0.75 if noisy else 0.85):
        props["nationality"] = [person.nationality]
    if person.id_number and rng.random() < (0.6 if noisy else 0.9):
        value = person.id_number
        if "id_format" in noise:
            value = format_id(rng, value)
        props["idNumber"] = [value]
    if person.street and rng.random() < (0.6 if noisy else 0.9):
        variant = "address_variant" in noise
        props["address"] = [
            _address(person.street, short=variant, lower=variant and rng.random() < 0.5)
        ]
    return {"id": entity_id, "schema": "Person", "properties": props}


def extra_records(rng: random.Random, share: float = DUPLICATE_SHARE) -> int:
    """How many more records a real entity gets: none with probability
    1 - ``share``, else 1 to 3 (EXTRA_RECORDS)."""
    if rng.random() >= share:
        return 0
    roll = rng.random()
    for count, share in EXTRA_RECORDS:
        if roll < share:
            return count
        roll -= share
    return EXTRA_RECORDS[-1][0]


def new_id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.getrandbits(64):016x}"


def iter_records(n: int, seed: int) -> Iterator[tuple[dict[str, Any], str]]:
    """``n`` records as (entity, cluster id), the records of one real person
    one after another."""
    rng = random.Random(seed)
    made = 0
    while made < n:
        person = make_person(rng)
        cluster = new_id(rng, "c")
        for k in range(min(1 + extra_records(rng), n - made)):
            yield person_record(rng, person, new_id(rng, "p"), noisy=k > 0), cluster
            made += 1


def generate(n: int, seed: int = 1) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """``n`` person entities in random order, and the truth: entity id ->
    cluster id (one cluster per real person)."""
    entities: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    for entity, cluster in iter_records(n, seed):
        entities.append(entity)
        truth[entity["id"]] = cluster
    random.Random(seed + 1).shuffle(entities)
    return entities, truth


def write_shuffled(
    records: Iterator[tuple[dict[str, Any], str]],
    entities_path: Path,
    truth_path: Path,
    seed: int,
    bucket_size: int = 100_000,
    expected: int = 0,
) -> int:
    """Write ``records`` as JSON lines in random order and the truth as CSV,
    streaming: records go to random temporary buckets, each bucket is then
    shuffled in memory."""
    rng = random.Random(seed + 1)
    buckets = max(1, -(-expected // bucket_size))
    count = 0
    with tempfile.TemporaryDirectory(dir=entities_path.parent) as tmp:
        files = [(Path(tmp) / f"b{i}").open("wb") for i in range(buckets)]
        with truth_path.open("w", newline="") as truth_fh:
            writer = csv.writer(truth_fh)
            writer.writerow(["entity_id", "cluster_id"])
            for entity, cluster in records:
                writer.writerow([entity["id"], cluster])
                files[rng.randrange(buckets)].write(orjson.dumps(entity) + b"\n")
                count += 1
        for fh in files:
            fh.close()
        with entities_path.open("wb") as out:
            for i in range(buckets):
                lines = (Path(tmp) / f"b{i}").read_bytes().splitlines(keepends=True)
                rng.shuffle(lines)
                out.writelines(lines)
    return count


def write(n: int, out: Path, seed: int = 1) -> tuple[Path, Path]:
    """Write ``out/people.ftm.json`` and ``out/truth.csv``; return both paths."""
    out.mkdir(parents=True, exist_ok=True)
    entities_path, truth_path = out / "people.ftm.json", out / "truth.csv"
    write_shuffled(iter_records(n, seed), entities_path, truth_path, seed, expected=n)
    return entities_path, truth_path


def read_truth(path: Path) -> dict[str, str]:
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return {row[0]: row[1] for row in reader}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of records")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    entities_path, truth_path = write(args.n, args.out, args.seed)
    truth = read_truth(truth_path)
    clusters = len(set(truth.values()))
    print(
        f"{len(truth):,} records of {clusters:,} people "
        f"({len(truth) - clusters:,} duplicate records) -> {entities_path}, {truth_path} "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
