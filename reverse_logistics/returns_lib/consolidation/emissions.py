"""CO2e of a leg by ISO 14083: intensity (g CO2e WTW per tonne-km) x tonnes x distance.

Intensities are per mode and vehicle class (``data/emission_intensities.csv``, GLEC Framework v3 frame, each
row saying whether it is the table's value, derived from it, or assumed); distances are great-circle with a
per-mode detour (``data/distance_adjustments.csv``: ``GCD x factor + add_km``). The default intensities
already include average load factors and empty running, so a return's share of a vehicle is its own weight:
consolidating changes the vehicle class (a parcel van against an articulated truck or a train), which is
where the saving in CO2e comes from.

Floats: emissions are estimates whose inputs are uncertain by tens of percent; they are summed with
``math.fsum`` and rounded only for display.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from .geo import _data_rows

DATA = Path(__file__).parent / "data"
ROAD, RAIL, SEA, AIR = "road", "rail", "sea", "air"
MODES = (ROAD, RAIL, SEA, AIR)


@dataclass(frozen=True)
class Intensity:
    mode: str
    vehicle_class: str
    g_per_tkm: float
    basis: str  # glec_v3, derived or assumed (see the file's header)


@dataclass(frozen=True)
class DistanceAdjustment:
    factor: float
    add_km: float


@dataclass(frozen=True)
class EmissionFactors:
    intensities: dict[tuple[str, str], Intensity]
    adjustments: dict[str, DistanceAdjustment]

    @classmethod
    def load(cls, intensities_path=None, adjustments_path=None) -> EmissionFactors:
        intensities = {}
        for row in _data_rows(intensities_path or DATA / "emission_intensities.csv"):
            if row["mode"] not in MODES:
                raise ValueError(f"unknown mode {row['mode']!r} in the emission intensities")
            key = (row["mode"], row["vehicle_class"])
            intensities[key] = Intensity(row["mode"], row["vehicle_class"], float(row["wtw_g_per_tkm"]), row["basis"])
        adjustments = {
            row["mode"]: DistanceAdjustment(float(row["factor"]), float(row["add_km"]))
            for row in _data_rows(adjustments_path or DATA / "distance_adjustments.csv")
        }
        missing = set(MODES) - set(adjustments)
        if missing:
            raise ValueError(f"no distance adjustment for {', '.join(sorted(missing))}")
        return cls(intensities, adjustments)

    def distance_km(self, mode: str, great_circle_km: float) -> float:
        """The distance the mode travels for a great-circle distance (0 stays 0: same place)."""
        if great_circle_km <= 0:
            return 0.0
        adjustment = self.adjustments[mode]
        return great_circle_km * adjustment.factor + adjustment.add_km

    def intensity(self, mode: str, vehicle_class: str) -> Intensity:
        try:
            return self.intensities[(mode, vehicle_class)]
        except KeyError:
            raise KeyError(f"no emission intensity for {mode} / {vehicle_class}") from None

    def co2e_kg(self, mode: str, vehicle_class: str, weight_kg: float, distance_km: float) -> float:
        """kg CO2e of carrying ``weight_kg`` over ``distance_km`` (already adjusted)."""
        return self.intensity(mode, vehicle_class).g_per_tkm * (weight_kg / 1000.0) * distance_km / 1000.0


@functools.cache
def default_factors() -> EmissionFactors:
    return EmissionFactors.load()
