"""Hand-made records for resolution tests: a few known duplicates hidden in
a crowd of distinct people and companies (so the unsupervised model has
non-matches to learn from), written as FtM entity JSON lines."""

from __future__ import annotations

import random
from typing import Any

from tests.helpers.ftm_records import ent, write_ftm

FIRST = [
    "Anna",
    "Boris",
    "Clara",
    "Dmitri",
    "Elena",
    "Fyodor",
    "Galina",
    "Hugo",
    "Irina",
    "Jonas",
    "Karl",
    "Lena",
    "Marta",
    "Nikolai",
    "Olga",
    "Pavel",
    "Rita",
    "Sergei",
    "Tamara",
    "Uma",
    "Viktor",
    "Wanda",
    "Xenia",
    "Yuri",
    "Zoya",
    "Adam",
    "Berta",
    "Carlos",
    "Dora",
    "Emil",
    "Flora",
    "Gustav",
    "Hanna",
    "Igor",
    "Julia",
    "Kirill",
    "Laura",
    "Mikhail",
    "Nora",
    "Oskar",
]
LAST = [
    "Abramov",
    "Belov",
    "Chernov",
    "Dvorak",
    "Egorov",
    "Fomin",
    "Gusev",
    "Horvat",
    "Ivanov",
    "Jensen",
    "Kovac",
    "Lebedev",
    "Morozov",
    "Novak",
    "Orlov",
    "Popescu",
    "Quist",
    "Romanov",
    "Sokolov",
    "Tikhonov",
    "Usov",
    "Volkov",
    "Weber",
    "Yakovlev",
    "Zaitsev",
    "Andersen",
    "Brandt",
    "Costa",
    "Dahl",
    "Eriksen",
    "Fischer",
    "Gomez",
    "Hansen",
    "Ilic",
    "Jovanovic",
    "Klein",
]
WORDS = [
    "Amber",
    "Basalt",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Indigo",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Onyx",
    "Pioneer",
    "Quartz",
    "Raven",
    "Summit",
    "Tundra",
    "Umber",
    "Vertex",
    "Willow",
    "Zephyr",
]
TRADES = [
    "Shipping",
    "Trading",
    "Holdings",
    "Logistics",
    "Capital",
    "Mining",
    "Energy",
    "Foods",
    "Textiles",
]


def person(eid: str, name: str, **props: Any) -> dict[str, Any]:
    return ent(eid, "Person", name=name, **props)


def company(eid: str, name: str, **props: Any) -> dict[str, Any]:
    return ent(eid, "Company", name=name, **props)


def crowd(n: int = 300, seed: int = 7) -> list[dict[str, Any]]:
    """Distinct people and companies: unique name/birth date combinations."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(out) < n:
        if rng.random() < 0.6:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            dob = f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            key = f"p:{name}"
            if key in seen:
                continue
            seen.add(key)
            out.append(
                person(
                    f"crowd-{len(out)}",
                    name,
                    birthDate=dob,
                    nationality=rng.choice(["de", "fr", "lv", "ee", "pl"]),
                )
            )
        else:
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)} Ltd"
            key = f"c:{name}"
            if key in seen:
                continue
            seen.add(key)
            out.append(
                company(
                    f"crowd-{len(out)}",
                    name,
                    jurisdiction=rng.choice(["gb", "cy", "mt", "vg"]),
                    registrationNumber=str(rng.randint(100000, 999999)),
                )
            )
    return out


def _typo(word: str, rng: random.Random) -> str:
    """One changed letter, never the first (as in RLdata's typos)."""
    i = rng.randrange(1, len(word))
    letter = rng.choice([c for c in "aeiorstnlm" if c != word[i]])
    return word[:i] + letter + word[i + 1 :]


def one_field_duplicates(
    n: int, duplicates: int, seed: int
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """People with a first name, a surname and a birth date only, and
    ``duplicates`` copies that each differ from their original in exactly one
    field (a typo in a name, another year, month or day), as in RLdata; names
    repeat across people, so a name alone proves nothing. Returns the records
    and the truth (record id -> person)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    truth: dict[str, str] = {}

    def add(eid: str, who: str, first: str, last: str, dob: tuple[int, int, int]) -> None:
        date = f"{dob[0]}-{dob[1]:02d}-{dob[2]:02d}"
        props = {"name": [f"{first} {last}"], "firstName": [first], "lastName": [last]}
        rows.append({"id": eid, "schema": "Person", "properties": {**props, "birthDate": [date]}})
        truth[eid] = who

    originals = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        dob = (rng.randint(1930, 2000), rng.randint(1, 12), rng.randint(1, 28))
        add(f"p{i}", f"p{i}", first, last, dob)
        originals.append((first, last, dob))
    for i in rng.sample(range(n), duplicates):
        first, last, (year, month, day) = originals[i]
        field = rng.randrange(5)
        if field == 0:
            first = _typo(first, rng)
        elif field == 1:
            last = _typo(last, rng)
        elif field == 2:  # one digit of the year
            year = rng.choice([y for y in range(year - 9, year + 10) if y != year])
        elif field == 3:
            month = rng.choice(
                [m for m in (month % 10, month % 10 + 10) if 1 <= m <= 12 and m != month]
                or [month % 12 + 1]
            )
        else:
            day = rng.choice(
                [
                    d
                    for d in range(1, 29)
                    if d != day and (d % 10 == day % 10 or d // 10 == day // 10)
                ]
            )
        add(f"d{i}", f"p{i}", first, last, (year, month, day))
    return rows, truth


# Known duplicates, hidden in the crowd by the tests.
PETROV = [
    person("reg-petrov", "Ivan Petrov", birthDate="1971-03-14", nationality="ru"),
    person("leak-petrov", "Петров Иван Сергеевич", birthDate="1971-03-14", nationality="ru"),
    person("leak-initial", "I. Petrov", birthDate="1971", nationality="ru"),
    # a namesake: same name, other birth date and country
    person("reg-namesake", "Ivan Petrov", birthDate="1984-09-02", nationality="lv"),
]
COBALT = [
    company("reg-cobalt", "Cobalt Marine Ltd", registrationNumber="HE 123456", jurisdiction="cy"),
    company(
        "proc-cobalt", "COBALT MARINE LIMITED", registrationNumber="HE123456", jurisdiction="cy"
    ),
    company("leak-cobalt", "The Cobalt Marine Ltd", jurisdiction="cy"),
    # same name, another registration number: a different company
    company(
        "other-cobalt", "Cobalt Marine Limited", registrationNumber="HE 999001", jurisdiction="cy"
    ),
]

__all__ = [
    "COBALT",
    "PETROV",
    "company",
    "crowd",
    "one_field_duplicates",
    "person",
    "write_ftm",
]
