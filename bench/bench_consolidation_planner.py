"""Benchmark of the consolidation planner (returns_lib.consolidation): N and 2N pending returns over
20 hubs, one plan each, best of --repeat runs, with the per-return time ratio of 2N to N. No Odoo needed.

    taskset -c 0 python3 bench/bench_consolidation_planner.py --returns 10000 --repeat 3

Input (fixed seed): 20 hubs in 20 European countries, each serving its own country and a neighbour, weekly
release on a random weekday, a 40-pallet articulated truck and, at half of them, an electric train; 3
destination warehouses (Germany, Netherlands, Switzerland); returns from the 20 countries, 0.2-30 kg,
half with partner coordinates and half on country centroids, ready over 30 days (2N over 60 days with
--constant-density, so that hubs see as many returns a week at 2N as at N), service levels 5-30 days,
5 % hazardous, two customs regimes.
"""

import argparse
import datetime as dt
import gc
import math
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reverse_logistics"))

from returns_lib.consolidation import planner, release
from returns_lib.consolidation.geo import default_centroids

COUNTRIES = ["ES", "PT", "FR", "BE", "NL", "DE", "DK", "SE", "FI", "PL", "CZ", "AT", "IT", "SI", "HR", "HU", "RO",
             "BG", "GR", "CH"]


def scenario(n, days=30, seed=13):
    rng = random.Random(seed)
    centroids = default_centroids()
    points = {c: centroids.locate(c)[0] for c in COUNTRIES}
    hubs = []
    for i, country in enumerate(COUNTRIES):
        outbound = [planner.OutboundOption("road", "artic_34_40t", rng.randint(1, 4), per_shipment=Decimal("350"),
                                           per_kg=Decimal("0.08"), max_pallets=33, max_weight_kg=24000)]
        if i % 2:
            outbound.append(planner.OutboundOption("rail", "electric_eu", rng.randint(3, 7),
                                                   per_shipment=Decimal("250"), per_kg=Decimal("0.05"),
                                                   max_weight_kg=26000))
        hubs.append(planner.Hub(
            f"HUB-{country}", points[country], country, release.ReleaseRule(weekday=rng.randint(0, 4), count=400),
            tuple(outbound), countries=frozenset({country, COUNTRIES[(i + 1) % len(COUNTRIES)]}),
            max_wait_days=10, handling_per_return=Decimal("0.80"), declaration_cost=Decimal("45"),
            accepts_hazardous=i % 3 == 0))
    warehouses = [planner.Warehouse("DE-WH", points["DE"], "DE"), planner.Warehouse("NL-WH", points["NL"], "NL"),
                  planner.Warehouse("CH-WH", points["CH"], "CH")]
    rates = planner.ParcelRates(planner.ParcelRate(Decimal("4.90"), Decimal("0.35"), 2),
                                planner.ParcelRate(Decimal("11.50"), Decimal("0.90"), 4),
                                planner.ParcelRate(Decimal("24.00"), Decimal("1.80"), 6), Decimal("12.00"))
    start = dt.date(2024, 3, 1)
    returns = []
    for i in range(n):
        country = rng.choice(COUNTRIES)
        base = points[country]
        location = None
        if rng.random() < 0.5:
            location = planner.Point(base.lat + rng.uniform(-1.5, 1.5), base.lon + rng.uniform(-1.5, 1.5))
        returns.append(planner.PendingReturn(
            f"R{i}", country, rng.choice(["DE-WH", "NL-WH", "CH-WH"]), round(rng.uniform(0.2, 30), 2),
            round(rng.uniform(0.002, 0.2), 3), Decimal(rng.randint(10, 2000)),
            start + dt.timedelta(rng.randint(0, days - 1)), rng.randint(5, 30),
            customs_regime=rng.choice(["", "returned_goods_relief"]),
            hazardous=rng.random() < 0.05, location=location))
    return hubs, warehouses, rates, returns


def measure(n, repeat, days=30, no_gc=False):
    hubs, warehouses, rates, returns = scenario(n, days)
    gc.collect()
    gc.freeze()
    best, plan = None, None
    for _ in range(repeat):
        plan = None
        gc.collect()
        if no_gc:
            gc.disable()
        started = time.perf_counter()
        plan = planner.plan(returns, hubs, warehouses, rates)
        elapsed = time.perf_counter() - started
        gc.enable()
        best = elapsed if best is None else min(best, elapsed)
    gc.unfreeze()
    return best, plan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--returns", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--constant-density", action="store_true",
                        help="spread 2N over twice the days (60): the same returns per hub and week as N")
    parser.add_argument("--no-gc", action="store_true", help="time the plans with the cyclic garbage collector off")
    args = parser.parse_args()
    rows = []
    for n in (args.returns, 2 * args.returns):
        days = 30 * n // args.returns if args.constant_density else 30
        seconds, plan = measure(n, args.repeat, days, args.no_gc)
        via = sum(1 for r in plan.returns if r.route == planner.VIA_HUB)
        rows.append((n, seconds))
        saving = 1 - plan.totals.cost / plan.baseline.cost
        co2 = 1 - plan.totals.co2e_kg / plan.baseline.co2e_kg
        print(f"{n:>7,} returns: {seconds:6.3f} s  {n / seconds:9,.0f} returns/s  {seconds / n * 1e6:6.1f} µs/return"
              f"  via hub {via / n:5.1%}  consolidations {len(plan.consolidations):5,}"
              f"  cost {plan.totals.cost:,.2f} vs {plan.baseline.cost:,.2f} ({saving:.1%} less)"
              f"  declarations {plan.totals.declarations:,} vs {plan.baseline.declarations:,}"
              f"  CO2e {plan.totals.co2e_kg / 1000:,.1f} t vs {plan.baseline.co2e_kg / 1000:,.1f} t ({co2:.1%} less)")
    (n1, s1), (n2, s2) = rows
    nlogn = (n2 * math.log(n2)) / (n1 * math.log(n1))
    print(f"time 2N/N: x{s2 / s1:.2f} (linear x2.00, n log n x{nlogn:.2f}); per return x{(s2 / n2) / (s1 / n1):.2f}")


if __name__ == "__main__":
    main()
