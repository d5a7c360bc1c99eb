"""``threadline resolve`` against ``nomenklatura xref`` (the OpenSanctions
deduplication tool, nomenklatura 4.17) on one generated multi-source dataset
of people and companies, in the same run.

The data: N FtM entities from three sources (``src_a``, ``src_b``, ``src_c``),
half people, half companies; about a third of the real people and companies
have one to three more records, mostly in another source. People carry the
noise of ``bench/gen_people.py`` (typos, "Last First" order, initials, upper
case, Cyrillic, missing fields, birth year only, date typos). Companies get
legal-form variants (Ltd/Limited, LLC/L.L.C./Limited Liability Company,
S.A./SA, GmbH/G.m.b.H., OOO/ООО/LLC, ...) or lose their legal form, a leading
"The", upper or lower case, typos, Cyrillic names (Russian, Ukrainian and
other post-Soviet jurisdictions), the registration number (the same one for
every record of a company) written with spaces, dashes or dots or missing,
jurisdiction or incorporation date missing, the year only, a LegalEntity or
Organization schema instead of Company. Namesakes (the same company name in
two jurisdictions, people with the same name) are not duplicates.

Threadline: a fresh workspace, each source file ingested as its own dataset,
``resolve`` with the defaults (merge at 0.95). Its F1 is over its clusters;
for reference, the same threshold scan as for nomenklatura is also run over
its scored pairs (which start at its review threshold, 0.5).

nomenklatura: ``nomenklatura xref`` on one file of all the entities (each
line naming its source in ``datasets``), with a SQLite resolver and a limit of
suggestions large enough never to stop it early (its default is 5,000). Xref
does not merge: it writes scored candidate pairs into the resolver. Those
with a score at or above a threshold are taken as matches and clustered by
connected components; thresholds 0.30 to 0.95 are scanned and the best F1 is
reported as nomenklatura's, which flatters it (the threshold is chosen
knowing the truth).

Both run as child processes, timed from start to exit (Python start-up
included), with each one's peak RSS. Pairwise precision, recall and F1 over
all records; also for people and companies apart.

    python bench/bench_xref.py --n 3000
    python bench/bench_xref.py --n 20000 --keep --dir /big/tmp
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import itertools
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from bench_resolve_scale import pairwise_scores, peak_rss_mib, read_clusters
from gen_people import (
    CITIES,
    STREET_KINDS,
    STREETS,
    STYLES,
    _make_pool,
    _zipf_cum,
    date_typo,
    extra_records,
    make_person,
    new_id,
    person_record,
    pick,
    to_cyrillic,
    typo,
    w,
)

SOURCES = ("src_a", "src_b", "src_c")
SOURCE_WEIGHTS = (0.45, 0.35, 0.2)
#: Share of real entities with more than one record (how many more: as for people).
DUPLICATE_SHARE = 0.33
THRESHOLDS = [round(0.3 + 0.05 * i, 2) for i in range(14)]

# -- companies ----------------------------------------------------------------

SECTORS = w(
    "Trading Holdings Capital Energy Shipping Logistics Investments Group Industries "
    "Consulting Technologies Resources Properties Marine Finance Partners Services "
    "Development Systems Media Foods Minerals Pharma Construction Solutions Ventures "
    "Management Metals Chemicals Agro Telecom Security Aviation Textiles Motors Insurance"
)
ADJECTIVES = w(
    "Global International Nordic Atlantic Pacific Eastern Western Northern Southern "
    "Central United Royal Golden Silver Blue Green Red Black White First Prime Alpha "
    "Delta Omega Orion Atlas Summit Vertex Harbor Coastal Continental Imperial Baltic "
    "Caspian Euro Trans Inter Union Star Sun Ocean River Mountain Crystal Diamond"
)

#: jurisdiction -> weight, legal forms (each with its variants), form first?
JURISDICTIONS: dict[str, tuple[float, list[tuple[str, ...]], bool]] = {
    "gb": (3.0, [w("Ltd Limited LTD Ltd."), w("PLC Plc P.L.C.")], False),
    "us": (
        2.5,
        [("LLC", "L.L.C.", "Limited Liability Company"), w("Inc Inc. Incorporated")],
        False,
    ),
    "ru": (2.0, [w("OOO ООО LLC"), w("AO АО JSC")], True),
    "cy": (1.5, [w("Ltd Limited LTD")], False),
    "de": (1.5, [w("GmbH G.m.b.H."), w("AG A.G.")], False),
    "ua": (1.0, [w("TOV ТОВ LLC"), w("PAT ПАТ PJSC")], True),
    "ch": (1.0, [w("AG A.G."), w("SA S.A.")], False),
    "fr": (1.0, [w("SA S.A."), w("SARL S.A.R.L. Sarl")], False),
    "es": (1.0, [("S.A.", "SA", "Sociedad Anonima"), w("S.L. SL")], False),
    "nl": (1.0, [w("B.V. BV"), w("N.V. NV")], False),
    "kz": (0.7, [w("TOO ТОО LLP")], True),
    "pa": (0.7, [w("S.A. SA Inc.")], False),
    "vg": (0.8, [w("Ltd Limited")], False),
}
JUR_NAMES = list(JURISDICTIONS)
JUR_CUM = list(itertools.accumulate(v[0] for v in JURISDICTIONS.values()))
CYRILLIC_JURISDICTIONS = {"ru", "ua", "kz"}
DATE_START = datetime.date(1990, 1, 1).toordinal()
DATE_END = datetime.date(2023, 12, 31).toordinal()


def _brand(rng: random.Random) -> str:
    style = rng.choice(STYLES)
    parts = [rng.choice(style.onsets) + rng.choice(style.vowels) for _ in range(rng.choice((1, 2)))]
    return "".join(parts) + rng.choice(("", "", "x", "on", "ia", "ex", "is", "a", "co"))


_BRAND_RNG = random.Random(4_040_404)
BRANDS = _make_pool(_BRAND_RNG, 1500, lambda: _brand(_BRAND_RNG))
BRAND_CUM = _zipf_cum(len(BRANDS), 0.5)
ADJ_CUM = _zipf_cum(len(ADJECTIVES), 0.5)
SECTOR_CUM = _zipf_cum(len(SECTORS), 0.5)


def reg_number(rng: random.Random, jurisdiction: str) -> str:
    def digits(k: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(k))

    return {
        "gb": lambda: digits(8),
        "cy": lambda: "HE" + digits(6),
        "us": lambda: digits(7),
        "ru": lambda: "1" + digits(12),
        "ua": lambda: digits(8),
        "de": lambda: "HRB " + digits(6),
        "ch": lambda: f"CHE-{digits(3)}.{digits(3)}.{digits(3)}",
        "fr": lambda: f"{digits(3)} {digits(3)} {digits(3)}",
        "es": lambda: "B" + digits(8),
        "nl": lambda: digits(8),
        "kz": lambda: digits(12),
        "pa": lambda: digits(7),
        "vg": lambda: digits(7),
    }[jurisdiction]()


def reformat_reg(rng: random.Random, value: str) -> str:
    """The same number written differently (all tools compare it after removing
    everything but letters and digits)."""
    plain = "".join(c for c in value if c.isalnum())
    op = rng.random()
    if op < 0.35:
        return plain
    if op < 0.6:
        return " ".join(plain[i : i + 3] for i in range(0, len(plain), 3))
    if op < 0.85:
        return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))
    return ".".join(plain[i : i + 3] for i in range(0, len(plain), 3)).lower()


class TrueCompany:
    """A real company: name words, jurisdiction and legal form (with its
    variants), registration number, incorporation date, address."""

    def __init__(self, rng: random.Random) -> None:
        self.jurisdiction = JUR_NAMES[bisect.bisect_left(JUR_CUM, rng.random() * JUR_CUM[-1])]
        shape = rng.random()
        sector = pick(rng, SECTORS, SECTOR_CUM)
        if shape < 0.6:
            words = [pick(rng, BRANDS, BRAND_CUM), sector]
        elif shape < 0.8:
            words = [pick(rng, BRANDS, BRAND_CUM), pick(rng, ADJECTIVES, ADJ_CUM), sector]
        else:
            words = [pick(rng, ADJECTIVES, ADJ_CUM), sector]
        self.words = words
        _, forms, self.form_first = JURISDICTIONS[self.jurisdiction]
        self.forms = rng.choice(forms)
        self.reg = reg_number(rng, self.jurisdiction) if rng.random() < 0.55 else None
        self.date = None
        if rng.random() < 0.5:
            self.date = datetime.date.fromordinal(rng.randint(DATE_START, DATE_END)).isoformat()
        self.street = None
        if rng.random() < 0.4:
            self.street = (
                rng.randint(1, 250),
                rng.choice(STREETS),
                rng.randrange(len(STREET_KINDS)),
                rng.choice(CITIES),
            )


COMPANY_NOISE = w(
    "form_variant form_variant no_form the case case typo typo cyrillic reg_format "
    "reg_format no_reg no_jurisdiction year_only address_variant schema"
)


def company_record(
    rng: random.Random, company: TrueCompany, entity_id: str, noisy: bool
) -> dict[str, Any]:
    noise: set[str] = set()
    if noisy:
        noise = set(rng.sample(COMPANY_NOISE, rng.choice((1, 1, 2, 2, 3))))
    words = list(company.words)
    if "typo" in noise:
        i = rng.randrange(len(words))
        words[i] = typo(rng, words[i])
    name = " ".join(words)
    form = company.forms[0]
    if "form_variant" in noise:
        form = rng.choice(company.forms[1:])
    cyrillic = "cyrillic" in noise and company.jurisdiction in CYRILLIC_JURISDICTIONS
    if cyrillic:
        name = to_cyrillic(name)
        form = next((f for f in company.forms if f.isupper() and not f.isascii()), form)
    if "no_form" in noise:
        full = name
    elif company.form_first:
        full = f'{form} "{name}"' if rng.random() < 0.5 else f"{form} {name}"
    else:
        full = f"{name} {form}"
    if "the" in noise and not company.form_first:
        full = "The " + full
    if "case" in noise:
        full = full.upper() if rng.random() < 0.6 else full.lower()
    props: dict[str, list[str]] = {"name": [full]}
    if "no_jurisdiction" not in noise and rng.random() < (0.8 if noisy else 0.9):
        props["jurisdiction"] = [company.jurisdiction]
    if company.reg and "no_reg" not in noise and rng.random() < (0.7 if noisy else 0.9):
        reg = company.reg
        if "reg_format" in noise:
            reg = reformat_reg(rng, reg)
        props["registrationNumber"] = [reg]
    if company.date and rng.random() < (0.75 if noisy else 0.9):
        date = company.date
        if "year_only" in noise:
            date = date[:4]
        elif noisy and rng.random() < 0.1:
            date = date_typo(rng, date)
        props["incorporationDate"] = [date]
    if company.street and rng.random() < (0.6 if noisy else 0.9):
        number, street, kind, city = company.street
        short = "address_variant" in noise
        props["address"] = [f"{number} {street} {STREET_KINDS[kind][1 if short else 0]}, {city}"]
    schema = "Company"
    if "schema" in noise:
        schema = rng.choice(("LegalEntity", "Organization"))
    return {"id": entity_id, "schema": schema, "properties": props}


def generate(
    n: int, seed: int = 1
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str], dict[str, str]]:
    """``n`` records: per source its entities (shuffled), the truth (entity id
    -> cluster id) and each entity's kind ("person" or "company")."""
    rng = random.Random(seed)
    by_source: dict[str, list[dict[str, Any]]] = {s: [] for s in SOURCES}
    truth: dict[str, str] = {}
    kinds: dict[str, str] = {}
    made = 0
    while made < n:
        is_person = rng.random() < 0.5
        person = make_person(rng) if is_person else None
        company = None if is_person else TrueCompany(rng)
        cluster = new_id(rng, "c")
        used: list[str] = []
        for k in range(min(1 + extra_records(rng, DUPLICATE_SHARE), n - made)):
            others = [s for s in SOURCES if s not in used]
            if k == 0:
                source = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
            elif others and rng.random() < 0.8:
                source = rng.choice(others)
            else:
                source = rng.choice(used)
            used.append(source)
            if person is not None:
                entity = person_record(rng, person, new_id(rng, "p"), noisy=k > 0)
            else:
                assert company is not None
                entity = company_record(rng, company, new_id(rng, "k"), noisy=k > 0)
            by_source[source].append(entity)
            truth[entity["id"]] = cluster
            kinds[entity["id"]] = "person" if is_person else "company"
            made += 1
    for entities in by_source.values():
        rng.shuffle(entities)
    return by_source, truth, kinds


def write_data(n: int, seed: int, data: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Per source ``data/SOURCE.ftm.json`` (Threadline ingests these), and
    ``data/all.ftm.json`` with every entity naming its source in ``datasets``
    (nomenklatura reads this one)."""
    data.mkdir(parents=True, exist_ok=True)
    by_source, truth, kinds = generate(n, seed)
    lines = []
    for source, entities in by_source.items():
        with (data / f"{source}.ftm.json").open("wb") as fh:
            for entity in entities:
                fh.write(orjson.dumps(entity) + b"\n")
                lines.append(orjson.dumps({**entity, "datasets": [source]}) + b"\n")
    random.Random(seed + 1).shuffle(lines)
    (data / "all.ftm.json").write_bytes(b"".join(lines))
    return truth, kinds


# -- the two sides ------------------------------------------------------------


def run_threadline_child(data: Path, work: Path) -> None:
    """In the child: ingest the three sources, resolve, write clusters and
    scored pairs for the parent."""
    import csv

    from threadline.resolve.resolver import ResolveOptions
    from threadline.workspace import Workspace

    started = time.perf_counter()
    ws = Workspace.init(work / "ws")
    for source in SOURCES:
        ws.ingest(data / f"{source}.ftm.json", dataset=source)
    ingested = time.perf_counter()
    report = ws.resolve(ResolveOptions())
    resolved = time.perf_counter()
    tables = ws.store.resolution()
    canonical = list(tables.canonical_map().items())
    pairs = tables.pairs_above(0.0)
    ws.close()
    with (work / "clusters.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["entity_id", "cluster_id"])
        writer.writerows(canonical)
    (work / "pairs.json").write_bytes(orjson.dumps(pairs))
    result = {
        "seconds": round(resolved - started, 2),
        "ingest_seconds": round(ingested - started, 2),
        "resolve_seconds": round(resolved - ingested, 2),
        "peak_rss_mib": peak_rss_mib(),
        "pairs": report.pairs,
        "review": report.review,
    }
    print(json.dumps(result))


def run_measured(
    command: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, float, str]:
    """Run ``command`` (stdout and stderr to ``log``); return its wall time,
    its own peak RSS in MiB and its last stdout line."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    text = log.read_text()
    if proc.returncode != 0:
        sys.stderr.write(text[-5000:])
        raise SystemExit(f"{command[:3]} failed (exit {proc.returncode})")
    last = text.strip().splitlines()[-1] if text.strip() else ""
    return round(wall, 2), round(usage.ru_maxrss / 1024, 1), last


def run_threadline(data: Path, work: Path) -> tuple[dict[str, Any], dict[str, str], list[Any]]:
    work.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, __file__, "--side", "threadline", "--data", str(data)]
    command += ["--work", str(work)]
    wall, rss, last = run_measured(command, work / "threadline.log")
    result: dict[str, Any] = json.loads(last)
    result.update(process_seconds=wall, process_peak_rss_mib=rss)
    pairs = orjson.loads((work / "pairs.json").read_bytes())
    return result, read_clusters(work / "clusters.csv"), pairs


def run_nomenklatura(data: Path, work: Path, limit: int) -> tuple[dict[str, Any], list[Any]]:
    work.mkdir(parents=True, exist_ok=True)
    db = work / "resolver.db"
    env = dict(os.environ, NOMENKLATURA_DB_URL=f"sqlite:///{db.as_posix()}")
    binary = Path(sys.executable).parent / "nomenklatura"
    command = [str(binary), "xref", str(data / "all.ftm.json"), "-p", str(work / "nk-data")]
    command += ["-l", str(limit), "--clear"]
    wall, rss, _ = run_measured(command, work / "xref.log", env=env, cwd=work)
    with sqlite3.connect(db) as con:
        pairs = con.execute(
            "SELECT target, source, score FROM resolver WHERE deleted_at IS NULL"
        ).fetchall()
    scored = 0
    for line in (work / "xref.log").read_text().splitlines():
        if "nomenklatura.xref:Xref:" in line:
            scored = int(line.split(",")[1].split()[0])
    result = {
        "seconds": wall,
        "peak_rss_mib": rss,
        "pairs_scored": scored,
        "suggestions": len(pairs),
        "limit": limit,
    }
    return result, pairs


def components(pairs: list[Any], threshold: float) -> dict[str, str]:
    """Connected components of the pairs scored at or above ``threshold``."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for left, right, score in pairs:
        if score is not None and score >= threshold:
            a, b = find(left), find(right)
            if a != b:
                parent[a] = b
    return {x: find(x) for x in parent}


def scores_by_kind(
    pred: dict[str, str], truth: dict[str, str], kinds: dict[str, str]
) -> dict[str, Any]:
    result = pairwise_scores(pred, truth)
    for kind in ("person", "company"):
        subset = {e: c for e, c in truth.items() if kinds[e] == kind}
        part = pairwise_scores(pred, subset)
        result[kind] = {k: part[k] for k in ("precision", "recall", "f1")}
    return result


def scan(pairs: list[Any], truth: dict[str, str], thresholds: list[float]) -> list[dict[str, Any]]:
    return [{"threshold": t, **pairwise_scores(components(pairs, t), truth)} for t in thresholds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="records to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="where temporary files go (default: /tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the data and outputs")
    parser.add_argument(
        "--limit", type=int, default=0, help="xref suggestion limit (default: 50 x n)"
    )
    parser.add_argument("--side", choices=["threadline"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        run_threadline_child(args.data, args.work)
        return

    tmp = Path(tempfile.mkdtemp(prefix="tl-xref-", dir=args.dir))
    try:
        data = tmp / "data"
        truth, kinds = write_data(args.n, args.seed, data)
        people = sum(1 for k in kinds.values() if k == "person")
        results: dict[str, Any] = {
            "records": len(truth),
            "person_records": people,
            "company_records": len(truth) - people,
            "real_entities": len(set(truth.values())),
            "cpus": os.cpu_count(),
        }
        print(
            f"{len(truth):,} records ({people:,} people, {len(truth) - people:,} companies) "
            f"of {results['real_entities']:,} real entities in {len(SOURCES)} sources",
            flush=True,
        )

        tl, tl_clusters, tl_pairs = run_threadline(data, tmp / "threadline")
        tl.update(scores_by_kind(tl_clusters, truth, kinds))
        tl_scan = scan(tl_pairs, truth, [t for t in THRESHOLDS if t >= 0.5])
        tl["best_threshold_on_pairs"] = max(tl_scan, key=lambda r: r["f1"])
        results["threadline"] = tl
        print(f"threadline    {json.dumps(tl)}", flush=True)

        limit = args.limit or 50 * args.n
        nk, nk_pairs = run_nomenklatura(data, tmp / "nomenklatura", limit)
        nk_scan = scan(nk_pairs, truth, THRESHOLDS)
        best = max(nk_scan, key=lambda r: r["f1"])
        nk["best_threshold"] = best["threshold"]
        nk.update(scores_by_kind(components(nk_pairs, best["threshold"]), truth, kinds))
        nk["scan"] = [
            {k: r[k] for k in ("threshold", "precision", "recall", "f1")} for r in nk_scan
        ]
        results["nomenklatura"] = nk
        print(f"nomenklatura  {json.dumps(nk)}", flush=True)

        results["ratio_wall"] = round(tl["process_seconds"] / nk["seconds"], 3)
        print(
            f"wall time threadline/nomenklatura: {results['ratio_wall']}x "
            f"({tl['process_seconds']} s vs {nk['seconds']} s, both whole processes); "
            f"F1 threadline {tl['f1']} (defaults) vs nomenklatura {nk['f1']} "
            f"(its best threshold, {nk['best_threshold']}, chosen on the truth)"
        )
        print(json.dumps(results))
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
