#!/usr/bin/env bash
# Exports the addons' translation templates (<addon>/i18n/<addon>.pot) with Odoo's own exporter;
# see scripts/export_translations.py. PYTHON selects the interpreter Odoo is installed in.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" scripts/export_translations.py "$@"
