"""Mention tagging: megabytes of document text per second, on one core, with
100,000 and 1,000,000 known names, and precision / recall against the
mentions planted in the text.

Names are generated people ("Given Family", Latin or Cyrillic) and companies
("Word Word Ltd"); the text is generated prose with names planted as written,
in the other script, in reversed order, or without the legal form, plus
decoys (lone surnames, a given name with a wrong family name) that must not be
tagged. The peer is pyahocorasick alone over the lower-cased text with the
names lower-cased, no normalisation: the floor that the transliteration and
word-boundary handling are paid on top of.

    python bench/bench_tagging.py [--names 100000 1000000 --mb 10]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from dataclasses import dataclass

from threadline.search.mentions import MentionMatcher

GIVEN = ["Ivan", "Olga", "Anna", "Pavel", "Marta", "Jonas", "Elena", "Sergei", "Tomas", "Irina"]
SYLLABLES = ["ko", "va", "len", "pet", "rov", "sid", "or", "mar", "tin", "bel", "gra", "nov"]
WORDS = [
    "the",
    "board",
    "approved",
    "a",
    "transfer",
    "of",
    "shares",
    "to",
    "the",
    "holding",
    "company",
    "after",
    "the",
    "meeting",
    "payment",
    "was",
    "wired",
    "from",
    "the",
    "account",
    "in",
    "march",
    "and",
    "the",
    "invoice",
    "was",
    "signed",
    "by",
    "the",
    "director",
    "according",
    "to",
    "the",
    "registry",
    "the",
    "beneficial",
    "owner",
    "is",
    "not",
    "named",
    "in",
    "the",
    "contract",
]
CYRILLIC = str.maketrans(
    {
        "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е", "z": "з", "i": "и",
        "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с",
        "t": "т", "u": "у", "f": "ф", "A": "А", "B": "Б", "V": "В", "G": "Г", "D": "Д",
        "E": "Е", "Z": "З", "I": "И", "K": "К", "L": "Л", "M": "М", "N": "Н", "O": "О",
        "P": "П", "R": "Р", "S": "С", "T": "Т", "U": "У", "F": "Ф",
    }
)  # fmt: skip


@dataclass
class Planted:
    entity_id: str
    start: int
    end: int


def make_names(count: int, rng: random.Random) -> list[tuple[str, str]]:
    names: dict[str, str] = {}
    while len(names) < count:
        family = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))).capitalize()
        if rng.random() < 0.7:
            name = f"{rng.choice(GIVEN)} {family}"
        else:
            second = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
            name = f"{family} {second} Ltd"
        names.setdefault(name, f"e{len(names)}")
    return [(entity_id, name) for name, entity_id in names.items()]


def variant(name: str, rng: random.Random) -> str:
    roll = rng.random()
    words = name.split()
    if words[-1] == "Ltd" and roll < 0.5:
        return " ".join(words[:-1])  # without the legal form
    if roll < 0.3:
        return name.translate(CYRILLIC)  # the other script
    if roll < 0.5 and len(words) == 2:
        return f"{words[1]} {words[0]}"  # family name first
    if roll < 0.6:
        return name.upper()
    return name


def make_text(
    names: list[tuple[str, str]], megabytes: float, rng: random.Random
) -> tuple[str, list[Planted]]:
    parts: list[str] = []
    planted: list[Planted] = []
    size = 0
    target = int(megabytes * 1_000_000)
    while size < target:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20)))
        parts.append(sentence.capitalize() + ". ")
        size += len(parts[-1])
        roll = rng.random()
        if roll < 0.3:
            entity_id, name = rng.choice(names)
            written = variant(name, rng)
            planted.append(Planted(entity_id, size, size + len(written)))
            parts.append(written + " ")
            size += len(written) + 1
        elif roll < 0.4:
            # decoys: a lone family name, or a given name beside another word
            _, name = rng.choice(names)
            decoy = name.split()[-1] if rng.random() < 0.5 else f"{name.split()[0]} said"
            parts.append(decoy + " ")
            size += len(decoy) + 1
    return "".join(parts), planted


def peer_tag(names: list[tuple[str, str]], text: str) -> tuple[float, int]:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for entity_id, name in names:
        automaton.add_word(name.lower(), entity_id)
    automaton.make_automaton()
    started = time.perf_counter()
    hits = sum(1 for _ in automaton.iter(text.lower()))
    return time.perf_counter() - started, hits


def run(count: int, megabytes: float, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    names = make_names(count, rng)
    text, planted = make_text(names, megabytes, rng)
    started = time.perf_counter()
    matcher = MentionMatcher(names)
    build = time.perf_counter() - started
    # the transliterator loads on first use (seconds): once per process, not
    # per document, so it is paid before the clock starts
    list(matcher.find("Иван Петров, 北京"))
    started = time.perf_counter()
    hits = list(matcher.find(text))
    tagging = time.perf_counter() - started
    peer_seconds, peer_hits = peer_tag(names, text)

    truth = {(p.entity_id, p.start, p.end) for p in planted}
    found = {(h.entity_id, h.start, h.end) for h in hits}
    # several entities may share a name: a hit on a namesake at a planted
    # place is right (the text cannot tell them apart)
    places = {(p.start, p.end) for p in planted}
    right = sum(1 for h in found if (h[1], h[2]) in places)
    mb = len(text.encode()) / 1_000_000
    return {
        "names": count,
        "text_mb": round(mb, 1),
        "build_s": round(build, 1),
        "tag_mb_per_s": round(mb / tagging, 2),
        "peer_mb_per_s": round(mb / peer_seconds, 2),
        "peer_hits": peer_hits,
        "precision": round(right / len(found), 4) if found else None,
        "recall": round(len(truth & found) / len(truth), 4),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args()
    for count in args.names:
        result = run(count, args.mb, args.seed)
        print(
            f"{count:>9,} names: {result['tag_mb_per_s']} MB/s tagging "
            f"(pyahocorasick alone {result['peer_mb_per_s']} MB/s), "
            f"precision {result['precision']}, recall {result['recall']}, "
            f"automaton built in {result['build_s']} s, peak RSS {result['peak_rss_mib']} MiB"
        )
        print(json.dumps(result))


if __name__ == "__main__":
    main()
