"""Export the translation templates of the addons with Odoo's own exporter: ``<addon>/i18n/<addon>.pot``.

Installs each addon (without demo data) in a database of its own in a throwaway PostgreSQL cluster,
runs ``odoo --i18n-export`` for it, and removes the cluster. Run it after changing a translatable
string, then merge the new terms into the language files::

    scripts/export_translations.sh                    # every addon of the family
    scripts/export_translations.sh reverse_logistics  # one addon
    cd reverse_logistics/i18n && msgmerge --update --no-fuzzy-matching --backup=none de.po reverse_logistics.pot

The test suite checks that each ``.pot`` holds exactly the terms Odoo exports from the code, and that
each language file translates every one of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_env import REPO, find_odoo
from pgcluster import ThrowawayCluster, die_with_parent, signals_raise_keyboard_interrupt

ADDONS = ("reverse_logistics", "reverse_logistics_landed_costs", "reverse_logistics_website_sale")


def main(addons):
    odoo, why_not = find_odoo()
    if odoo is None:
        print(f"!! Odoo 18 not importable ({why_not})")
        return 2
    unknown = set(addons) - set(ADDONS)
    if unknown:
        print(f"!! not an addon of this repository: {', '.join(sorted(unknown))}")
        return 2
    with signals_raise_keyboard_interrupt(), ThrowawayCluster(prefix="rl-run-") as cluster:
        for addon in addons:
            # Each addon in a database of its own, with its dependencies only: a field another module adds
            # to the addon's models (e.g. ratings, with the web shop) is not a term of the addon.
            common = [sys.executable, "-m", "odoo", "-d", f"rl_i18n_{addon}", *cluster.odoo_args(),
                      f"--addons-path={odoo.addons_path}", f"--data-dir={cluster.base / 'filestore'}",
                      "--stop-after-init", "--log-level=warn", "--without-demo=all"]
            print(f"Installing {addon} to export its terms...", flush=True)
            subprocess.run([*common, "-i", addon], env=odoo.env, cwd=REPO, check=True, preexec_fn=die_with_parent)
            target = REPO / addon / "i18n" / f"{addon}.pot"
            target.parent.mkdir(exist_ok=True)
            subprocess.run([*common, f"--i18n-export={target}", f"--modules={addon}"], env=odoo.env, cwd=REPO,
                           check=True, preexec_fn=die_with_parent)
            print(f"  {target.relative_to(REPO)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(ADDONS)))
