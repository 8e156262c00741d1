"""The pytest suite runs without Odoo.

The addon folder is put on ``sys.path`` so that its pure package imports as ``returns_lib``
(``import returns_lib`` never imports odoo: see test_static_addon.py). ``tests/`` itself is on
the path (pytest's rootdir-relative import), so helpers such as ``soap_gateway_server`` import too.
"""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ADDON = REPO / "reverse_logistics"
# Schemas and samples shared with the other projects of the workspace (never copied here).
SHARED = Path(os.environ.get("RL_SHARED_DIR") or REPO.parent / "shared")

if str(ADDON) not in sys.path:
    sys.path.insert(0, str(ADDON))


@pytest.fixture(scope="session")
def shared_dir():
    """The ``shared/`` folder (RL_SHARED_DIR, default: next to the repository); skips the test without it."""
    if not SHARED.is_dir():
        pytest.skip(f"shared folder not found at {SHARED} (set RL_SHARED_DIR)")
    return SHARED
