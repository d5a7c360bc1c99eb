"""Ingest throughput against `ftm map` on the same CSV and mapping, in the same
run, plus a check that both produce identical entity ids.

    python bench/bench_ingest.py --rows 100000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen_officers import write_mapping, write_officers_csv

BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        csv_path = tmp / "officers.csv"
        mapping = tmp / "mapping.yml"
        write_officers_csv(csv_path, args.rows)
        write_mapping(mapping, csv_path)

        t0 = time.perf_counter()
        ftm_out = tmp / "ftm.json"
        subprocess.run(
            [str(BIN / "ftm"), "map", "-d", "bench", "-o", str(ftm_out), str(mapping)],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        ftm_seconds = time.perf_counter() - t0
        ftm_ids = {json.loads(line)["id"] for line in ftm_out.open()}

        ws = tmp / "ws"
        subprocess.run(
            [str(BIN / "threadline"), "init", str(ws)], check=True, stderr=subprocess.DEVNULL
        )
        t0 = time.perf_counter()
        command = ["-q", "-w", str(ws), "ingest", str(csv_path), "-d", "bench", "-m"]
        done = subprocess.run(
            [str(BIN / "threadline"), *command, str(mapping), "--json"],
            check=True,
            stderr=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
        )
        tl_seconds = time.perf_counter() - t0
        # The report's own time covers mapping and storing: not the process
        # start, nor the search-index update that follows.
        store_seconds = float(json.loads(done.stdout)["seconds"])

        from threadline import Workspace

        with Workspace.open(ws) as w:
            tl_ids = set(w.store.entity_ids())

    result = {
        "rows": args.rows,
        "ftm_map_seconds": round(ftm_seconds, 2),
        "ftm_map_rows_per_s": round(args.rows / ftm_seconds),
        "threadline_seconds": round(tl_seconds, 2),
        "threadline_rows_per_s": round(args.rows / tl_seconds),
        "speedup": round(ftm_seconds / tl_seconds, 1),
        "threadline_store_only_seconds": round(store_seconds, 2),
        "speedup_store_only": round(ftm_seconds / store_seconds, 1),
        "entities": len(tl_ids),
        "identical_ids": tl_ids == ftm_ids,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
