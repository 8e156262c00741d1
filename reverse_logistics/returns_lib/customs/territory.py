"""Customs territories: does moving goods between two addresses cross a customs border?

Customs territories are not countries. The EU customs union is one territory, but some
parts of member states are outside it (the Canary Islands, Ceuta and Melilla, ...), some
non-members are inside it for customs purposes (Monaco), and Northern Ireland (``XI``)
applies EU customs rules for goods. These facts are data: the caller passes
:class:`TerritoryRule` rows (the addon keeps them as records a user can maintain), and the
functions here only apply them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TerritoryRule:
    """Addresses of ``country_code`` matching the optional state code or postcode pattern
    belong to ``territory_code``.

    A rule without state or postcode is the country's default. The most specific matching
    rule wins: state and postcode > state or postcode > country.
    """

    country_code: str
    territory_code: str
    state_code: str | None = None
    zip_pattern: str | None = None  # a regular expression matched at the start of the postcode
    note: str = ""

    @property
    def specificity(self) -> int:
        return bool(self.state_code) + bool(self.zip_pattern)

    def matches(self, country_code: str, state_code: str | None, zip_code: str | None) -> bool:
        if self.country_code.upper() != (country_code or "").upper():
            return False
        if self.state_code and (self.state_code.upper() != (state_code or "").upper()):
            return False
        if self.zip_pattern:
            return bool(zip_code) and re.match(self.zip_pattern, zip_code.strip().replace(" ", "")) is not None
        return True


@dataclass(frozen=True)
class Address:
    country_code: str
    state_code: str | None = None
    zip_code: str | None = None


@dataclass(frozen=True)
class TerritoryMatch:
    territory_code: str
    rule: TerritoryRule | None  # None: no rule, the country is its own territory


@dataclass(frozen=True)
class BorderDecision:
    """Whether a declaration is needed, with the facts that decided it."""

    declaration_needed: bool
    origin: TerritoryMatch
    destination: TerritoryMatch

    @property
    def reason_code(self) -> str:
        if self.declaration_needed:
            return "different_territories"
        return "same_territory"


def territory_of(address: Address, rules) -> TerritoryMatch:
    """The customs territory of ``address``; a country without rules is a territory of its own."""
    candidates = [rule for rule in rules if rule.matches(address.country_code, address.state_code, address.zip_code)]
    if not candidates:
        return TerritoryMatch((address.country_code or "").upper(), None)
    best = max(candidates, key=lambda rule: rule.specificity)
    return TerritoryMatch(best.territory_code, best)


def crosses_customs_border(origin: Address, destination: Address, rules) -> BorderDecision:
    """A declaration is needed when the goods leave one customs territory for another."""
    rules = list(rules)
    origin_match = territory_of(origin, rules)
    destination_match = territory_of(destination, rules)
    return BorderDecision(
        declaration_needed=origin_match.territory_code != destination_match.territory_code,
        origin=origin_match,
        destination=destination_match,
    )
