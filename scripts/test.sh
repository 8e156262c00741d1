#!/usr/bin/env bash
# The project's test command: pytest suite + Odoo suite (throwaway PostgreSQL), see README "Tests".
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" scripts/run_tests.py "$@"
