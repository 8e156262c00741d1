#!/usr/bin/env bash
# The project's test command: pytest suite + Odoo suite in a throwaway PostgreSQL cluster.
# Ends with one line "N passed, N failed"; see README "Tests" and scripts/run_tests.py.
# PYTHON selects the interpreter (the one Odoo is installed in), default python3.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" scripts/run_tests.py "$@"
