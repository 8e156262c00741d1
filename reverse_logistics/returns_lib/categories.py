"""Which of several rules applies to a product category: the one naming its nearest category.

Return policies and inspection checklists both follow this rule; they share this one picker.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

Item = TypeVar("Item", bound=Hashable)


def pick_most_specific(category_path_ids: list[int], candidates: Iterable[tuple[Item, frozenset[int]]]) -> Item | None:
    """Choose the candidate that covers a product category most specifically.

    ``category_path_ids`` lists the product's category first, then its parents up to the
    root. ``candidates`` pairs each candidate (a policy, a checklist) with the categories it
    covers (empty: all). The candidate naming the nearest category wins; a candidate covering
    every category is the fallback; the first one in the given order wins a tie.
    """
    best = None
    best_depth = len(category_path_ids) + 1
    fallback = None
    for candidate, category_ids in candidates:
        if not category_ids:
            fallback = fallback if fallback is not None else candidate
            continue
        for depth, category_id in enumerate(category_path_ids):
            if category_id in category_ids:
                if depth < best_depth:
                    best, best_depth = candidate, depth
                break
    return best if best is not None else fallback
