"""Where things are: great-circle distances, customs territories, and the centroid table for unknown origins.

A return's origin is its partner's coordinates when known; otherwise the centroid of its postal area (the
longest ``postal_prefix`` of its country in the table that starts its postal code), else of its country
(``data/country_centroids.csv``, from the CIA World Factbook, public domain). Distances are great-circle
(haversine on a sphere of 6371.0088 km, the IUGG mean Earth radius); each mode then adds its detour
(``emissions.road_distance`` and friends read ``data/distance_adjustments.csv``).

Customs territories: the 27 EU member states (and Monaco, inside the EU customs territory through France) are
one territory, ``EU``; any other country is its own. A leg whose two ends are in different territories crosses
a customs border and needs a declaration. A caller with other unions passes its own mapping.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

EARTH_RADIUS_KM = 6371.0088
CENTROID_FILE = Path(__file__).parent / "data" / "country_centroids.csv"

EU = "EU"
EU_MEMBERS = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
# Inside the EU customs territory without being a member state (Council Regulation 952/2013, art. 4).
EU_CUSTOMS_EXTRA = frozenset({"MC"})


def customs_territory(country: str, unions: dict[str, str] | None = None) -> str:
    """``EU`` for the EU customs territory, else the country itself (``unions`` overrides: {country: territory})."""
    country = (country or "").upper()
    if unions and country in unions:
        return unions[country]
    if country in EU_MEMBERS or country in EU_CUSTOMS_EXTRA:
        return EU
    return country


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float

    def __post_init__(self):
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"coordinates ({self.lat}, {self.lon}) are outside latitude -90..90, longitude -180..180")


def great_circle_km(a: Point, b: Point) -> float:
    """Haversine distance in km."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _data_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(line for line in fh if not line.startswith("#"))


class CentroidTable:
    """{(country, postal_prefix): Point}; ``locate`` takes the longest prefix of the postal code, else the country."""

    def __init__(self, rows: dict[tuple[str, str], Point]):
        self._rows = dict(rows)
        self._prefix_lengths = sorted({len(prefix) for _country, prefix in self._rows if prefix}, reverse=True)

    @classmethod
    def load(cls, path: str | Path | None = None, extra: dict[tuple[str, str], Point] | None = None) -> CentroidTable:
        rows = {}
        for row in _data_rows(path or CENTROID_FILE):
            rows[(row["country"].strip().upper(), row["postal_prefix"].strip().upper())] = Point(
                float(row["lat"]), float(row["lon"]))
        rows.update(extra or {})
        return cls(rows)

    def locate(self, country: str, postal_code: str = "") -> tuple[Point, str]:
        """(point, what it is): ``postal_area`` with the prefix matched, or ``country``; KeyError when unknown."""
        country = (country or "").upper()
        code = (postal_code or "").replace(" ", "").upper()
        for length in self._prefix_lengths:
            if len(code) >= length and (country, code[:length]) in self._rows:
                return self._rows[(country, code[:length])], f"postal_area:{code[:length]}"
        if (country, "") in self._rows:
            return self._rows[(country, "")], "country"
        raise KeyError(f"no centroid for country {country!r} (postal code {postal_code!r})")


@functools.cache
def default_centroids() -> CentroidTable:
    return CentroidTable.load()
