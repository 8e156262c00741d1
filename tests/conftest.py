"""The pytest suite runs without Odoo: the addon's pure package is imported as ``returns_lib``."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ADDON = REPO / "reverse_logistics"
SHARED = REPO.parent / "shared"

if str(ADDON) not in sys.path:
    sys.path.insert(0, str(ADDON))
