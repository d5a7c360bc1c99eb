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

__all__ = ["COBALT", "PETROV", "company", "crowd", "person", "write_ftm"]
