#!/usr/bin/env bash
# The project's run command: Odoo 18 + this addon + demo data on http://localhost:8069, see README "Run".
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" scripts/run.py "$@"
