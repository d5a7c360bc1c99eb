"""Peak memory of `threadline ingest` on a large generated CSV (default 5
million rows), measured as the maximum resident set size of the ingest process.

    python bench/bench_memory.py --rows 5000000 [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
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
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: temp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp_name:
        tmp = Path(tmp_name)
        csv_path = tmp / "officers.csv"
        mapping = tmp / "mapping.yml"
        t0 = time.perf_counter()
        write_officers_csv(csv_path, args.rows)
        write_mapping(mapping, csv_path)
        generate_seconds = time.perf_counter() - t0
        ws = tmp / "ws"
        subprocess.run(
            [str(BIN / "threadline"), "init", str(ws)], check=True, stderr=subprocess.DEVNULL
        )
        t0 = time.perf_counter()
        subprocess.run(
            [
                str(BIN / "threadline"),
                "-q",
                "-w",
                str(ws),
                "ingest",
                str(csv_path),
                "-d",
                "bench",
                "-m",
                str(mapping),
                "--json",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - t0
        # ru_maxrss of children is in KiB on Linux; only the ingest child is big.
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            json.dumps(
                {
                    "rows": args.rows,
                    "csv_mib": round(csv_path.stat().st_size / 2**20),
                    "generate_seconds": round(generate_seconds),
                    "ingest_seconds": round(seconds),
                    "rows_per_s": round(args.rows / seconds),
                    "peak_rss_mib": round(peak_mib),
                    "store_mib": round((ws / "store.duckdb").stat().st_size / 2**20),
                }
            )
        )


if __name__ == "__main__":
    main()
