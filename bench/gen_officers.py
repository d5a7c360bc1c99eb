"""A synthetic company-officer register for the ingest benchmarks
(``bench_ingest.py``, ``bench_memory.py``): one CSV row per directorship,
with the person and the company on the same row, noisy in the ways real
registers are, and the FtM mapping that makes a Person, a Company and a
Directorship of each row."""

from __future__ import annotations

import csv
import random
from pathlib import Path

FIRST = [
    "Ivan",
    "Maria",
    "John",
    "Olena",
    "Pierre",
    "Ana",
    "Li",
    "Fatima",
    "Jose",
    "Eva",
    "Sergei",
    "Anna",
    "Tomas",
    "Elif",
    "Kwame",
    "Ingrid",
    "Ahmed",
    "Sofia",
    "Piotr",
    "Mei",
]
LAST = [
    "Petrov",
    "Garcia",
    "Smith",
    "Kovalenko",
    "Dubois",
    "Silva",
    "Wang",
    "Haddad",
    "Martinez",
    "Novak",
    "Ivanov",
    "Schmidt",
    "Horvath",
    "Yilmaz",
    "Mensah",
    "Larsen",
    "Hassan",
    "Rossi",
    "Nowak",
    "Chen",
]
WORDS = [
    "Cobalt",
    "Marine",
    "Atlas",
    "Nordic",
    "Trading",
    "Holdings",
    "Green",
    "Energy",
    "Delta",
    "Pacific",
    "Capital",
    "Logistics",
    "Orion",
    "Summit",
    "Vertex",
    "Harbor",
]
FORMS = ["Ltd", "Limited", "LLC", "S.A.", "GmbH", "OOO", "AG", "Inc"]
COUNTRIES = ["gb", "ru", "cy", "de", "fr", "es", "ua", "pl", "us", "cn"]

MAPPING = """\
bench:
  queries:
    - csv_url: {csv}
      entities:
        person:
          schema: Person
          keys: [person_id]
          properties:
            name: {{column: person_name}}
            birthDate: {{column: birth_date}}
            nationality: {{column: nationality}}
        company:
          schema: Company
          keys: [company_number]
          properties:
            name: {{column: company_name}}
            registrationNumber: {{column: company_number}}
            jurisdiction: {{column: jurisdiction}}
            incorporationDate: {{column: incorporated}}
            address: {{column: address}}
        directorship:
          schema: Directorship
          keys: [person_id, company_number, role]
          properties:
            director: {{entity: person}}
            organization: {{entity: company}}
            role: {{column: role}}
            startDate: {{column: appointed}}
"""


def write_officers_csv(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    companies = max(10, rows // 3)
    people = max(10, rows // 2)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "person_id",
                "person_name",
                "birth_date",
                "nationality",
                "company_number",
                "company_name",
                "jurisdiction",
                "incorporated",
                "address",
                "role",
                "appointed",
            ]
        )
        for _ in range(rows):
            p = rnd.randrange(people)
            c = rnd.randrange(companies)
            prnd = random.Random(p)
            crnd = random.Random(-c - 1)
            name = f"{prnd.choice(FIRST)} {prnd.choice(LAST)}"
            birth = (
                f"{prnd.randint(1940, 2000)}-{prnd.randint(1, 12):02d}-{prnd.randint(1, 28):02d}"
            )
            cname = f"{crnd.choice(WORDS)} {crnd.choice(WORDS)} {crnd.choice(FORMS)}"
            writer.writerow(
                [
                    f"P{p}",
                    name,
                    birth if rnd.random() > 0.1 else birth[:4],
                    prnd.choice(COUNTRIES),
                    f"C{c:08d}",
                    cname,
                    crnd.choice(COUNTRIES),
                    f"{crnd.randint(1990, 2024)}-{crnd.randint(1, 12):02d}-01",
                    f"{crnd.randint(1, 200)} {crnd.choice(WORDS)} Street",
                    rnd.choice(["director", "secretary", "shareholder"]),
                    f"{rnd.randint(1995, 2024)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                ]
            )


def write_mapping(path: Path, csv_path: Path) -> None:
    path.write_text(MAPPING.format(csv=csv_path), encoding="utf-8")
