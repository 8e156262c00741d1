#!/usr/bin/env bash
# The project's run command: Odoo 18 + this addon + demo data on http://localhost:8069 (RL_HTTP_PORT),
# in a throwaway PostgreSQL cluster removed on exit; see README "Run" and scripts/run.py.
# PYTHON selects the interpreter (the one Odoo is installed in), default python3.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" scripts/run.py "$@"
