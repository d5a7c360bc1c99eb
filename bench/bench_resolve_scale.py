"""Resolve at scale: ``threadline resolve`` against a hand-written Splink 5
script on the same generated people (``bench/gen_people.py``: N Person
records, about a quarter of the real people with one to three noisy
duplicates), end to end.

Threadline: a fresh workspace, ``ingest`` of the FtM JSON lines file, then
``resolve`` with the default, zero-configuration model (merge at 0.95); ingest
and resolve are timed apart. The peer: what a Splink user writes for this data
in an hour, in the style of Splink's own tutorials. It reads the same JSON
lines into a table (unique_id, first_name, surname, dob, year, nationality,
id_number, address; names lower-cased and transliterated to ASCII, so the
Cyrillic records are comparable, the first and last word of the full name when
the record has no first or last name), compares first name and surname
(``ForenameSurnameComparison``: exact, swapped, Jaro-Winkler), birth date
(exact, one typo, same year when one side has only the year), nationality, id
number and address, trains unsupervised (prior from deterministic rules, u
from 1e7 random pairs, EM on two blocking rules), predicts pairs of at least
0.5 and clusters at 0.95. Its DuckDB is Splink's default (in memory, no cap);
Threadline's is capped at 2 GB.

Each side runs in a child process of its own, so its wall time and peak RSS
(``ru_maxrss`` of that process) are its own; pairwise precision, recall and F1
are computed here from the clusters each writes, against the truth.

    python bench/bench_resolve_scale.py --n 10000            # generate, run both
    python bench/bench_resolve_scale.py --n 1000000 --dir /big/tmp --keep
    python bench/bench_resolve_scale.py --data DIR            # reuse DIR/people.ftm.json
    python bench/bench_resolve_scale.py --only splink --n 10000

Prints one line per side, the threadline/splink wall-time ratios, then one
JSON line with everything.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

SIDES = ("threadline", "splink")
PEER_U_PAIRS = 1e7
MERGE_THRESHOLD = 0.95
REVIEW_THRESHOLD = 0.5


# -- scoring ------------------------------------------------------------------


def read_clusters(path: Path) -> dict[str, str]:
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return {row[0]: row[1] for row in reader}


def pairwise_scores(pred: dict[str, str], truth: dict[str, str]) -> dict[str, Any]:
    """Pairwise precision, recall and F1 of predicted clusters against the
    true ones, by counting (no pair lists: a large wrong cluster stays cheap).
    Records missing from ``pred`` are singletons."""

    def pairs(counts: Counter[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    pred_of = {entity_id: pred.get(entity_id, entity_id) for entity_id in truth}
    true_pairs = pairs(Counter(truth.values()))
    pred_pairs = pairs(Counter(pred_of.values()))
    tp = pairs(Counter((pred_of[e], truth[e]) for e in truth))
    precision = tp / pred_pairs if pred_pairs else 0.0
    recall = tp / true_pairs if true_pairs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": true_pairs,
        "pred_pairs": pred_pairs,
        "largest_cluster": max(Counter(pred_of.values()).values(), default=0),
    }


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# -- the two sides (each run in a child process) ------------------------------


def run_threadline(data: Path, work: Path, clusters_out: Path) -> dict[str, Any]:
    from threadline.resolve.resolver import ResolveOptions
    from threadline.workspace import Workspace

    started = time.perf_counter()
    ws = Workspace.init(work / "ws")
    ws.ingest(data / "people.ftm.json", dataset="people")
    ingested = time.perf_counter()
    report = ws.resolve(ResolveOptions())
    resolved = time.perf_counter()
    canonical = list(ws.store.resolution().canonical_map().items())
    ws.close()
    with clusters_out.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["entity_id", "cluster_id"])
        writer.writerows(canonical)
    return {
        "seconds": round(resolved - started, 2),
        "ingest_seconds": round(ingested - started, 2),
        "resolve_seconds": round(resolved - ingested, 2),
        "peak_rss_mib": peak_rss_mib(),
        "pairs": report.pairs,
        "review": report.review,
        "clusters": report.clusters,
    }


@functools.lru_cache(maxsize=500_000)
def _clean(text: str) -> str:
    from normality import ascii_text

    ascii = ascii_text(text) or ""
    return " ".join("".join(c if c.isalnum() else " " for c in ascii.lower()).split())


def _first(props: dict[str, list[str]], key: str) -> str | None:
    values = props.get(key)
    return values[0] if values else None


def peer_rows(path: Path) -> dict[str, list[Any]]:
    """The JSON lines flattened into columns, cleaned as a Splink user would."""
    import orjson

    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "unique_id",
            "first_name",
            "surname",
            "full_name",
            "dob",
            "year",
            "nationality",
            "id_number",
            "address",
        )
    }
    with path.open("rb") as fh:
        for line in fh:
            entity = orjson.loads(line)
            props = entity["properties"]
            words = _clean(_first(props, "name") or "").split()
            first = _clean(_first(props, "firstName") or "")
            last = _clean(_first(props, "lastName") or "")
            if not first and len(words) > 1:
                first = words[0]
            if not last and words:
                last = words[-1]
            birth = _first(props, "birthDate") or ""
            id_number = "".join(c for c in (_first(props, "idNumber") or "") if c.isalnum())
            cols["unique_id"].append(entity["id"])
            cols["first_name"].append(first or None)
            cols["surname"].append(last or None)
            cols["full_name"].append(f"{first} {last}" if first and last else None)
            cols["dob"].append(birth if len(birth) == 10 else None)
            cols["year"].append(birth[:4] or None)
            cols["nationality"].append(_first(props, "nationality"))
            cols["id_number"].append(id_number.upper() or None)
            cols["address"].append(_clean(_first(props, "address") or "") or None)
    return cols


def peer_settings() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("year"),
            cll.ExactMatchLevel("dob").configure(label_for_charts="same date"),
            cll.CustomLevel(
                "(dob_l IS NULL OR dob_r IS NULL) AND year_l = year_r",
                label_for_charts="year only, same year",
            ),
            cll.DamerauLevenshteinLevel("dob", 1).configure(label_for_charts="one typo"),
            cll.ExactMatchLevel("year").configure(label_for_charts="same year"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name", "surname", forename_surname_concat_col_name="full_name"
            ),
            dob,
            cl.ExactMatch("nationality"),
            cl.ExactMatch("id_number"),
            cl.JaroWinklerAtThresholds("address", [0.95, 0.8]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("surname", "year"),
            block_on("substr(first_name, 1, 1)", "surname"),
            block_on("id_number"),
            block_on("address"),
            "l.first_name = r.surname AND l.surname = r.first_name",
        ],
        retain_intermediate_calculation_columns=False,
    )


def run_splink(data: Path, u_pairs: float, clusters_out: Path) -> dict[str, Any]:
    import logging

    import pandas as pd
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    started = time.perf_counter()
    frame = pd.DataFrame(peer_rows(data / "people.ftm.json"))
    loaded = time.perf_counter()
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame, table_name="people"), peer_settings())
    del frame
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("id_number")], recall=0.7
    )
    training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=1)
    training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=REVIEW_THRESHOLD)
    predicted = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=MERGE_THRESHOLD
    )
    out = clusters_out.as_posix().replace("'", "''")
    db_api.duckdb_con.execute(
        f"COPY (SELECT unique_id AS entity_id, cluster_id FROM {clusters.physical_name}) "
        f"TO '{out}' (HEADER, DELIMITER ',')"
    )
    done = time.perf_counter()
    pairs = db_api.duckdb_con.execute(
        f"SELECT count(*) FROM {predictions.physical_name}"
    ).fetchone()
    return {
        "seconds": round(done - started, 2),
        "load_seconds": round(loaded - started, 2),
        "train_seconds": round(trained - loaded, 2),
        "predict_seconds": round(predicted - trained, 2),
        "cluster_seconds": round(done - predicted, 2),
        "peak_rss_mib": peak_rss_mib(),
        "pairs": pairs[0] if pairs else 0,
    }


def child(args: argparse.Namespace) -> None:
    clusters_out = args.work / f"clusters-{args.side}.csv"
    if args.side == "threadline":
        result = run_threadline(args.data, args.work, clusters_out)
    else:
        result = run_splink(args.data, args.u_pairs, clusters_out)
    print(json.dumps(result))


# -- the top-level run --------------------------------------------------------


def run_side(side: str, data: Path, work: Path, u_pairs: float) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        __file__,
        "--side",
        side,
        "--data",
        str(data),
        "--work",
        str(work),
        "--u-pairs",
        str(u_pairs),
    ]
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-5000:])
        raise SystemExit(f"{side} failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(wall, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="records to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="existing people.ftm.json + truth.csv")
    parser.add_argument("--dir", type=Path, help="where temporary files go (default: /tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument("--only", choices=SIDES, help="run one side only")
    parser.add_argument("--u-pairs", type=float, default=PEER_U_PAIRS, help="peer's u sample")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        child(args)
        return

    from gen_people import read_truth, write

    tmp = Path(tempfile.mkdtemp(prefix="tl-resolve-scale-", dir=args.dir))
    try:
        data = args.data
        generate_seconds = 0.0
        if data is None:
            data = tmp / "data"
            started = time.perf_counter()
            write(args.n, data, args.seed)
            generate_seconds = round(time.perf_counter() - started, 2)
        truth = read_truth(data / "truth.csv")
        results: dict[str, Any] = {
            "records": len(truth),
            "people": len(set(truth.values())),
            "generate_seconds": generate_seconds,
            "cpus": os.cpu_count(),
        }
        print(
            f"{results['records']:,} records of {results['people']:,} people "
            f"(generated in {generate_seconds} s)",
            flush=True,
        )
        for side in (args.only,) if args.only else SIDES:
            work = tmp / side
            result = run_side(side, data, work, args.u_pairs)
            result.update(pairwise_scores(read_clusters(work / f"clusters-{side}.csv"), truth))
            shutil.rmtree(work, ignore_errors=True)
            results[side] = result
            print(f"{side:10s} {json.dumps(result)}", flush=True)
        if "threadline" in results and "splink" in results:
            tl, sp = results["threadline"], results["splink"]
            results["ratio_wall"] = round(tl["seconds"] / sp["seconds"], 2)
            results["ratio_resolve_vs_splink_model"] = round(
                tl["resolve_seconds"] / (sp["seconds"] - sp["load_seconds"]), 2
            )
            print(
                f"threadline/splink wall time: {results['ratio_wall']}x end to end "
                f"(ingest+resolve vs load+train+predict+cluster); "
                f"{results['ratio_resolve_vs_splink_model']}x resolve alone vs the Splink "
                f"model alone. F1 {tl['f1']} vs {sp['f1']}; peak RSS "
                f"{tl['peak_rss_mib']} vs {sp['peak_rss_mib']} MiB"
            )
        print(json.dumps(results))
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
