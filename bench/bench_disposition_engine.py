"""Benchmark: the pure disposition decision engine ranks many units.

Generates N synthetic returned units (fixed seed: a realistic mix of grades, hazardous and expired
units, category restrictions, vendor returns) with their economics, ranks every disposition of
every unit with ``rank_dispositions``, then times ``recommend`` alone; runs N and 2N and prints
units per second and the per-unit time ratio (about 1.0 when the engine scales linearly).

    python3 bench/bench_disposition_engine.py            # N = 100,000
    python3 bench/bench_disposition_engine.py --units 20000 --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "reverse_logistics"))

from returns_lib import disposition as d  # noqa: E402

GRADES = ("A", "B", "C", "D", "SCRAP")
GRADE_WEIGHTS = (30, 30, 20, 12, 8)
RESALE_SHARE = {"A": 1.0, "B": 0.7, "C": 0.45, "D": 0.15, "SCRAP": 0.0}
# Category restrictions: most categories allow everything; textiles are never destroyed; some
# goods may not be resold second-hand.
ALLOWED_SETS = (
    frozenset(d.DISPOSITIONS),
    frozenset({d.RESTOCK, d.RESELL, d.DONATE, d.RECYCLE}),
    frozenset({d.RESTOCK, d.RETURN_TO_VENDOR, d.RECYCLE, d.DESTROY}),
)


def make_units(count, seed=20261125):
    rng = random.Random(seed)
    units = []
    for _index in range(count):
        price = round(rng.uniform(10, 1500), 2)
        grade = rng.choices(GRADES, GRADE_WEIGHTS)[0]
        handling = round(rng.uniform(1, 15), 2)
        unit = d.Unit(
            grade=grade,
            hazardous=rng.random() < 0.03,
            expired=rng.random() < 0.02,
            allowed=rng.choices(ALLOWED_SETS, (85, 10, 5))[0],
            vendor_returnable=rng.random() < 0.25,
            certified_recycler=rng.random() < 0.95,
        )
        economics = d.Economics(
            resale_value_by_grade={g: price * share for g, share in RESALE_SHARE.items()},
            new_value=price,
            refurbished_grade="B",
            refurbishment_cost=round(price * rng.uniform(0.05, 0.4), 2),
            handling_cost={**dict.fromkeys(d.DISPOSITIONS, handling), d.RETURN_TO_VENDOR: handling + 20},
            disposal_fee={d.RECYCLE: round(rng.uniform(0, 5), 2), d.DESTROY: round(rng.uniform(2, 20), 2)},
            vendor_credit=round(price * 0.6, 2),
            recycling_value=round(rng.uniform(0, 10), 2),
            donation_value=0.0,
        )
        units.append((unit, economics))
    return units


def time_ranking(units, repeat):
    """Best time to rank every unit; keeps only counts, as a caller deciding batch after batch would."""
    best, blocked = None, 0
    for _run in range(repeat):
        blocked = 0
        started = time.perf_counter()
        for unit, economics in units:
            for option in d.rank_dispositions(unit, economics):
                blocked += not option.allowed
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, blocked


def time_recommend(units, repeat):
    best, mix = None, Counter()
    for _run in range(repeat):
        mix = Counter()
        started = time.perf_counter()
        for unit, economics in units:
            option = d.recommend(unit, economics)
            mix[option.disposition if option else "a person decides"] += 1
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, mix


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000, help="N: units ranked (2N is run too)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measure; the best one is kept")
    args = parser.parse_args(argv)

    print(f"Disposition engine: {len(d.DISPOSITIONS)} dispositions per unit, best of {args.repeat} run(s)")
    print(f"{'units':>9} {'rank s':>8} {'units/s':>10} {'µs/unit':>8} {'recommend s':>12} {'units/s':>10}")
    per_unit, mix, blocked = {}, Counter(), 0
    for count in (args.units, 2 * args.units):
        units = make_units(count)
        # The generated input lives through the run; frozen, the garbage collector does not
        # rescan it on every collection, which would charge its size to every unit ranked.
        gc.collect()
        gc.freeze()
        rank_seconds, blocked_here = time_ranking(units, args.repeat)
        recommend_seconds, mix_here = time_recommend(units, args.repeat)
        gc.unfreeze()
        if count == args.units:
            mix, blocked = mix_here, blocked_here
        per_unit[count] = rank_seconds / count
        print(f"{count:>9,} {rank_seconds:>8.2f} {count / rank_seconds:>10,.0f} {1e6 * per_unit[count]:>8.1f}"
              f" {recommend_seconds:>12.2f} {count / recommend_seconds:>10,.0f}")
    print(f"per-unit time 2N/N: x{per_unit[2 * args.units] / per_unit[args.units]:.2f}")

    print(f"recommendations for {args.units:,} units:")
    for disposition, number in mix.most_common():
        print(f"  {disposition:<18} {number:>8,} ({100 * number / args.units:.1f} %)")
    print(f"options refused by hard rules: {blocked:,} ({blocked / args.units:.2f} per unit)")


if __name__ == "__main__":
    main()
