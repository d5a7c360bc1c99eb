"""Benchmark the embedded Tantivy search index on synthetic entities.

Generates ``--n`` people and companies (Latin and Cyrillic names, typo-free),
indexes them into a temporary :class:`TantivyIndex`, then times ``--queries``
searches of four kinds: exact names, names with one typo, names in the other
script (Cyrillic for Latin and back), and two tokens in reverse order.

Prints a readable report and, last, one JSON line for machines::

    python bench/bench_search.py --n 100000
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from threadline.search.base import IndexDoc, SearchQuery
from threadline.search.tantivy_index import TantivyIndex
from threadline.search.text import name_tokens


def words(text: str) -> list[str]:
    return text.split()


FIRST = words(
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher "
    "Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian "
    "George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan "
    "Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Patrick Frank "
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy "
    "Betty Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa "
    "Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna "
    "Brenda Pamela Emma Nicole Helen Samantha Katherine Christine Debra Rachel Carolyn "
    "Mohammed Ahmed Ali Fatima Aisha Omar Yusuf Hassan Leila Mehmet Ayse Mustafa Emine "
    "Giovanni Giuseppe Francesca Chiara Jürgen Müller Björn Søren Zoë Hélène François "
    "José María Jesús Raúl Lucía Álvaro Thiago Joaquín Ignacio Wojciech Małgorzata"
)
LAST = words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright "
    "Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
    "Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins "
    "Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez "
    "Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel "
    "Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter "
    "Yilmaz Kaya Demir Sahin Celik Rossi Russo Ferrari Esposito Bianchi Romano Colombo "
    "Kowalski Nowak Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Dąbrowski "
    "Dubois Lefèvre Moreau Laurent Girard Fournier Mercier Blanc Guérin Faure Müller"
)
# (usual English spelling, Cyrillic): ICU transliterates Сергей as "Sergej",
# so the English "Sergey" is found only through fuzzy matching.
RU_FIRST = [
    ("Ivan", "Иван"), ("Sergey", "Сергей"), ("Dmitry", "Дмитрий"), ("Alexei", "Алексей"),
    ("Andrei", "Андрей"), ("Mikhail", "Михаил"), ("Nikolai", "Николай"), ("Vladimir", "Владимир"),
    ("Yuri", "Юрий"), ("Oleg", "Олег"), ("Igor", "Игорь"), ("Pavel", "Павел"),
    ("Boris", "Борис"), ("Viktor", "Виктор"), ("Roman", "Роман"), ("Maxim", "Максим"),
    ("Olga", "Ольга"), ("Tatiana", "Татьяна"), ("Natalia", "Наталья"), ("Elena", "Елена"),
    ("Irina", "Ирина"), ("Svetlana", "Светлана"), ("Anna", "Анна"), ("Maria", "Мария"),
    ("Ekaterina", "Екатерина"), ("Yulia", "Юлия"), ("Anastasia", "Анастасия"),
    ("Galina", "Галина"), ("Ludmila", "Людмила"), ("Vera", "Вера"),
]  # fmt: skip
RU_LAST = [
    ("Ivanov", "Иванов"), ("Petrov", "Петров"), ("Sidorov", "Сидоров"),
    ("Smirnov", "Смирнов"), ("Kuznetsov", "Кузнецов"), ("Popov", "Попов"),
    ("Vasiliev", "Васильев"), ("Sokolov", "Соколов"), ("Mikhailov", "Михайлов"),
    ("Novikov", "Новиков"), ("Fedorov", "Фёдоров"), ("Morozov", "Морозов"),
    ("Volkov", "Волков"), ("Alekseev", "Алексеев"), ("Lebedev", "Лебедев"),
    ("Semenov", "Семёнов"), ("Egorov", "Егоров"), ("Pavlov", "Павлов"),
    ("Kozlov", "Козлов"), ("Stepanov", "Степанов"), ("Nikolaev", "Николаев"),
    ("Orlov", "Орлов"), ("Andreev", "Андреев"), ("Makarov", "Макаров"),
    ("Nikitin", "Никитин"), ("Zakharov", "Захаров"), ("Zaitsev", "Зайцев"),
    ("Soloviev", "Соловьёв"), ("Borisov", "Борисов"), ("Yakovlev", "Яковлев"),
    ("Grigoriev", "Григорьев"), ("Romanov", "Романов"), ("Vorobiev", "Воробьёв"),
    ("Sergeev", "Сергеев"), ("Kuzmin", "Кузьмин"), ("Frolov", "Фролов"),
    ("Alexandrov", "Александров"), ("Dmitriev", "Дмитриев"), ("Korolev", "Королёв"),
    ("Gusev", "Гусев"), ("Kiselev", "Киселёв"), ("Ilyin", "Ильин"),
    ("Maksimov", "Максимов"), ("Polyakov", "Поляков"), ("Sorokin", "Сорокин"),
    ("Vinogradov", "Виноградов"), ("Kovalev", "Ковалёв"), ("Belov", "Белов"),
    ("Medvedev", "Медведев"), ("Antonov", "Антонов"), ("Tarasov", "Тарасов"),
    ("Zhukov", "Жуков"), ("Baranov", "Баранов"), ("Filippov", "Филиппов"),
    ("Komarov", "Комаров"), ("Davydov", "Давыдов"), ("Belyaev", "Беляев"),
    ("Gerasimov", "Герасимов"), ("Bogdanov", "Богданов"), ("Osipov", "Осипов"),
]  # fmt: skip
SUFFIXES = ["Ltd", "LLC", "GmbH", "S.A.", "Holdings", "Group", "Inc", "AG", "BV", "ООО", "OÜ"]
SYLLABLES = words("ka lo mar tex ven sol ri dan per co bal nor tra vis gen lux star ame tor fin")
COUNTRIES = ["gb", "ru", "cy", "us", "de", "fr", "ch", "ae", "pa", "vg", "ua", "kz"]
DATASETS = ["uk_psc", "ru_egrul", "cy_companies", "us_ofac", "leaks_2024"]
PERSON = ["Person", "LegalEntity", "Thing"]
COMPANY = ["Company", "Organization", "Asset", "LegalEntity", "Value", "Thing"]
KINDS = ["exact", "typo", "cyrillic", "two-token"]


@dataclass
class Target:
    """A generated entity kept aside to build queries against."""

    caption: str
    other_script: str | None  # the same name in the other script, if any
    is_person: bool


def company_words(rng: random.Random, count: int = 3000) -> list[str]:
    vocabulary = {
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        for _ in range(count * 2)
    }
    return sorted(vocabulary)[:count]


def person_name(rng: random.Random) -> tuple[str, str | None]:
    """A name, and its spelling in the other script when it has one."""
    roll = rng.random()
    if roll < 0.3:  # Russian name, Cyrillic in the data half the time
        (first_en, first_ru), (last_en, last_ru) = rng.choice(RU_FIRST), rng.choice(RU_LAST)
        latin, cyrillic = f"{first_en} {last_en}", f"{first_ru} {last_ru}"
        return (cyrillic, latin) if rng.random() < 0.5 else (latin, cyrillic)
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}", None


def generate(n: int, rng: random.Random, targets: list[Target], keep: int) -> Iterator[IndexDoc]:
    vocabulary = company_words(rng)
    for number in range(n):
        country = rng.choice(COUNTRIES)
        datasets = rng.sample(DATASETS, rng.choice([1, 1, 1, 2]))
        address = f"{rng.randint(1, 999)} {rng.choice(vocabulary)} Street, {country.upper()}"
        if rng.random() < 0.6:
            name, other = person_name(rng)
            doc = IndexDoc(
                f"p-{number}", "Person", PERSON, name, datasets, [country], [name],
                [f"P{rng.randint(10**7, 10**8)}", address],
            )  # fmt: skip
        else:
            first, second = rng.choice(vocabulary), rng.choice(vocabulary)
            name, other = f"{first} {second} {rng.choice(SUFFIXES)}", None
            doc = IndexDoc(
                f"c-{number}", "Company", COMPANY, name, datasets, [country], [name],
                [f"{country.upper()}{rng.randint(10**6, 10**7)}", address],
            )  # fmt: skip
        # Reservoir sampling keeps an even spread of targets across the run.
        if len(targets) < keep:
            targets.append(Target(name, other, doc.schema == "Person"))
        elif (slot := rng.randrange(number + 1)) < keep:
            targets[slot] = Target(name, other, doc.schema == "Person")
        yield doc


def typo(rng: random.Random, text: str) -> str:
    parts = text.split()
    candidates = [i for i, word in enumerate(parts) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word, at = parts[index], rng.randrange(1, len(parts[index]) - 1)
    edit = rng.choice(["swap", "delete", "replace"])
    if edit == "swap":
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif edit == "delete":
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + rng.choice("aeiourstn") + word[at + 1 :]
    parts[index] = word
    return " ".join(parts)


def make_queries(
    rng: random.Random, targets: list[Target], count: int
) -> list[tuple[str, str, Target]]:
    bilingual = [target for target in targets if target.other_script]
    queries = []
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        target = rng.choice(bilingual if kind == "cyrillic" else targets)
        if kind == "exact":
            text = target.caption
        elif kind == "typo":
            text = typo(rng, target.caption)
        elif kind == "cyrillic":
            text = target.other_script or target.caption
        else:
            text = " ".join(reversed(target.caption.split()[:2]))
        queries.append((kind, text, target))
    return queries


def found(query: str, target: Target, captions: list[str]) -> bool:
    """Whether the top hit bears the target's name (or, for other-script
    queries, the query's own name): many entities share a name, so the
    target's id is not the right test."""
    if not captions:
        return False
    top = sorted(name_tokens(captions[0]))
    wanted = {tuple(sorted(name_tokens(target.caption))), tuple(sorted(name_tokens(query)))}
    if target.other_script:
        wanted.add(tuple(sorted(name_tokens(target.other_script))))
    return tuple(top) in wanted or all(t in top for t in name_tokens(query))


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="entities to index")
    parser.add_argument("--queries", type=int, default=1000, help="searches to time")
    parser.add_argument("--batch", type=int, default=10_000, help="entities per upsert call")
    parser.add_argument("--writer-threads", type=int, default=1)
    parser.add_argument("--heap-mb", type=int, default=64, help="writer heap in MB")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", type=Path, help="index here (default: a temporary folder)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    root = args.dir or Path(tempfile.mkdtemp(prefix="threadline-bench-"))
    index = TantivyIndex(
        root / "index",
        writer_heap_bytes=args.heap_mb * 1_000_000,
        writer_threads=args.writer_threads,
    )
    targets: list[Target] = []
    batch: list[IndexDoc] = []
    started = time.perf_counter()
    for doc in generate(args.n, rng, targets, keep=5000):
        batch.append(doc)
        if len(batch) >= args.batch:
            index.upsert(batch)
            batch = []
    index.upsert(batch)
    index.commit(1)
    index_seconds = time.perf_counter() - started
    size_mb = sum(f.stat().st_size for f in (root / "index").iterdir()) / 1e6
    print(f"indexed {index.count():,} entities in {index_seconds:.1f}s")
    print(f"  {args.n / index_seconds:,.0f} entities/s (generation included), {size_mb:.0f} MB")

    queries = make_queries(rng, targets, args.queries)
    for _, text, _ in queries[:50]:  # warm the page cache and the fuzzy automata
        index.search(SearchQuery(text))
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    hits: dict[str, int] = dict.fromkeys(KINDS, 0)
    for kind, text, target in queries:
        began = time.perf_counter()
        result = index.search(SearchQuery(text, limit=20))
        latencies[kind].append((time.perf_counter() - began) * 1000)
        hits[kind] += found(text, target, [hit.caption for hit in result])

    every = [ms for values in latencies.values() for ms in values]
    by_kind = {
        kind: {
            **{key: round(value, 2) for key, value in percentiles(values).items()},
            "top1_name_match": round(hits[kind] / len(values), 3),
        }
        for kind, values in latencies.items()
    }
    overall = {key: round(value, 2) for key, value in percentiles(every).items()}
    summary = {
        "n": args.n,
        "index_seconds": round(index_seconds, 2),
        "entities_per_second": round(args.n / index_seconds),
        "index_mb": round(size_mb, 1),
        "queries": len(every),
        **overall,
        "by_kind": by_kind,
    }
    print(f"{len(every)} queries, latency ms: " + ", ".join(
        f"{key} {value}" for key, value in overall.items()
    ))  # fmt: skip
    for kind, stats in by_kind.items():
        found_rate = stats["top1_name_match"]
        print(
            f"  {kind:10} p50 {stats['p50']:6.2f}  p95 {stats['p95']:6.2f}  "
            f"p99 {stats['p99']:6.2f}  top-1 name match {found_rate:.1%}"
        )
    print(json.dumps(summary))
    index.close()
    if args.dir is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
