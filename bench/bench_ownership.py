"""Ownership answers on generated worlds, scored against the world's truth.

The demo generator (``tools/generate_demo.py``) invents a world (people,
companies, who owns what and how much) and writes it out as a company
registry, a procurement register, a leak of shareholders and a sanctions
list, with typos, initials, transliterations and legal-form variants. Every
ownership question here ("who ultimately owns at least 25% of company X?")
has a true answer in the world; Threadline answers it from the files alone:
ingest, ``resolve`` at its defaults, then ``graph owners``.

Questions are the companies whose whole upward ownership tree has known
percentages and at least one ultimate owner at 25% or more. An answer is
*exact* when the owners Threadline reports at 25% or more are the true ones
(an owner is identified by the world's party behind the merged entity's
records). Precision and recall are over (question, owner) pairs.

The same questions are asked of the workspace before resolution (each
record its own entity): the baseline that shows what resolution buys.

Run with seeds the generator was not developed against::

    python bench/bench_ownership.py --seeds 11 23 47
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import generate_demo as gen
from threadline.demo.sources import DEMO_SOURCES
from threadline.graph.ownership import owners
from threadline.graph.structure import Graph
from threadline.workspace import Workspace

THRESHOLD = 25.0
#: percentage points of rounding a reported share may differ by
TOLERANCE = 0.5


def true_owners(world: gen.World) -> dict[str, dict[str, float]]:
    """company cid -> {ultimate owner cid: percent}, for companies whose
    whole upward tree has known percentages."""
    above: dict[str, list[gen.Holding]] = {}
    for holding in [*world.holdings, *world.leak_holdings]:
        above.setdefault(holding.asset.cid, []).append(holding)

    def walk(cid: str, share: float, seen: frozenset[str]) -> dict[str, float] | None:
        result: dict[str, float] = {}
        for holding in above.get(cid, []):
            if not holding.pct:
                return None
            part = share * float(holding.pct) / 100.0
            owner = holding.owner
            if isinstance(owner, gen.Company) and owner.cid in above and owner.cid not in seen:
                deeper = walk(owner.cid, part, seen | {owner.cid})
                if deeper is None:
                    return None
                for key, value in deeper.items():
                    result[key] = result.get(key, 0.0) + value
            else:
                result[owner.cid] = result.get(owner.cid, 0.0) + part
        return result

    answers = {}
    for company in world.companies:
        found = walk(company.cid, 100.0, frozenset({company.cid}))
        if found:
            answers[company.cid] = found
    return answers


@dataclass
class Score:
    questions: int = 0
    exact: int = 0
    true_pairs: int = 0
    found_pairs: int = 0
    right_pairs: int = 0

    def row(self) -> str:
        precision = self.right_pairs / self.found_pairs if self.found_pairs else 0.0
        recall = self.right_pairs / self.true_pairs if self.true_pairs else 0.0
        return (
            f"{self.exact}/{self.questions} exact ({self.exact / max(self.questions, 1):.1%}), "
            f"owner precision {precision:.3f}, recall {recall:.3f}"
        )


def _cluster_of_node(graph: Graph, node: int, truth: dict[str, str]) -> str:
    """The world party behind a (merged) node: its members' majority."""
    members = graph.members(graph.node_ids[node])
    clusters = Counter(truth[m] for m in members if m in truth)
    return clusters.most_common(1)[0][0] if clusters else f"?{graph.node_ids[node]}"


def ask(ws: Workspace, questions: dict[str, dict[str, float]], subject: dict[str, str],
        truth: dict[str, str]) -> Score:  # fmt: skip
    graph = ws.graph()
    score = Score()
    for company, answer in sorted(questions.items()):
        expected = {cid for cid, pct in answer.items() if pct >= THRESHOLD - TOLERANCE}
        if not expected or company not in subject:
            continue
        score.questions += 1
        score.true_pairs += len(expected)
        result = owners(graph, subject[company], threshold=THRESHOLD - TOLERANCE)
        found = {
            _cluster_of_node(graph, h.node, truth)
            for h in result.holdings
            if h.share is not None and h.share >= THRESHOLD - TOLERANCE
        }
        score.found_pairs += len(found)
        score.right_pairs += len(found & expected)
        score.exact += found == expected
    return score


def run(seed: int, workdir: Path) -> tuple[Score, Score, float]:
    world, files = gen.build_world(seed)
    data = workdir / f"seed-{seed}"
    data.mkdir()
    for name, text in files.items():
        (data / name).write_text(text, encoding="utf-8")
    truth_rows = list(csv.DictReader(io.StringIO(files["truth.csv"])))
    truth = {row["entity_id"]: row["cluster_id"] for row in truth_rows}
    # ask about each company by its registry record where it has one
    subject: dict[str, str] = {}
    for row in sorted(truth_rows, key=lambda r: r["dataset"] != "registry"):
        subject.setdefault(row["cluster_id"], row["entity_id"])
    questions = true_owners(world)
    with Workspace.init(workdir / f"ws-{seed}") as ws:
        for source in DEMO_SOURCES:
            ws.ingest(data / source.path.name, source.dataset, source.mapping)
        before = ask(ws, questions, subject, truth)
        started = time.perf_counter()
        ws.resolve()
        seconds = time.perf_counter() - started
        after = ask(ws, questions, subject, truth)
    return before, after, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 23, 47])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            before, after, seconds = run(seed, Path(tmp))
            print(f"seed {seed}: unresolved: {before.row()}")
            print(f"seed {seed}: resolved at the defaults ({seconds:.1f} s): {after.row()}")


if __name__ == "__main__":
    main()
