"""The addons' language files: every term of the template translated, no fuzzy entry, placeholders kept.

Each addon ships ``i18n/<addon>.pot`` (exported by Odoo: ``scripts/export_translations.sh``; an Odoo test
checks it is up to date with the code) and ``es.po``, ``de.po``, ``fr.po``. A translation must keep what
the software fills in or renders: ``%(name)s`` / ``%s`` placeholders, ``{{ ... }}`` expressions, and the
markup of QWeb and e-mail terms (tags with their attributes and ``t-`` expressions), in any order the
language needs.
"""

import collections
import re
from pathlib import Path

import polib
import pytest

REPO = Path(__file__).resolve().parents[1]
ADDONS = sorted(path.parent.parent.name for path in REPO.glob("*/i18n/*.pot"))
LANGUAGES = ("es", "de", "fr")

PRINTF = re.compile(r"%\([A-Za-z0-9_]+\)[sdfr]|%[sdfr]")
EXPRESSION = re.compile(r"\{\{.*?\}\}|#\{.*?\}")
TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'))?)*)\s*(/?)>")
ATTRIBUTE = re.compile(r"([^\s=>/]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'))?")
# Attributes whose values are words for people: translated with the text around them.
WORDY_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "string", "help", "label", "data-tooltip",
                    "confirm", "summary"}


def kept_parts(text):
    """What a translation must keep of ``text``: its placeholders, expressions and markup, as a multiset."""
    parts = collections.Counter(PRINTF.findall(text.replace("%%", "")))
    parts.update(EXPRESSION.findall(text))
    for closing, name, attributes, self_closing in TAG.findall(text):
        kept = tuple(sorted(
            (key, value) for key, value in ATTRIBUTE.findall(attributes) if key not in WORDY_ATTRIBUTES
        ))
        parts[(closing, name, kept, self_closing)] += 1
    return parts


def _addon_languages():
    return [(addon, language) for addon in ADDONS for language in LANGUAGES]


def test_every_addon_has_a_template():
    assert "reverse_logistics" in ADDONS
    for addon in ("reverse_logistics_landed_costs", "reverse_logistics_website_sale"):
        assert addon in ADDONS, f"{addon} has no i18n/{addon}.pot"


@pytest.mark.parametrize(("addon", "language"), _addon_languages())
def test_the_language_file_translates_every_term_and_keeps_its_placeholders(addon, language):
    template = polib.pofile(str(REPO / addon / "i18n" / f"{addon}.pot"))
    path = REPO / addon / "i18n" / f"{language}.po"
    assert path.is_file(), f"{path.relative_to(REPO)} is missing"
    translations = polib.pofile(str(path))
    wanted = {entry.msgid for entry in template}
    have = {entry.msgid: entry for entry in translations if not entry.obsolete}
    missing = sorted(wanted - set(have))
    assert not missing, f"{len(missing)} terms of the template are not in {path.name}: {missing[:5]}"
    stale = sorted(set(have) - wanted)
    assert not stale, f"{len(stale)} terms of {path.name} are no longer in the template: {stale[:5]}"
    problems = []
    for msgid, entry in have.items():
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {msgid[:60]!r}")
        elif not entry.msgstr.strip():
            problems.append(f"untranslated: {msgid[:60]!r}")
        elif kept_parts(entry.msgstr) != kept_parts(msgid):
            lost = kept_parts(msgid) - kept_parts(entry.msgstr)
            added = kept_parts(entry.msgstr) - kept_parts(msgid)
            problems.append(f"placeholders or markup changed in {msgid[:60]!r}: lost {dict(lost)}, added {dict(added)}")
    assert not problems, f"{path.relative_to(REPO)}: {len(problems)} problems:\n" + "\n".join(problems[:40])


def test_the_placeholder_check_sees_what_breaks_a_translation():
    assert kept_parts("%(name)s owes %(amount)s") == kept_parts("%(amount)s: %(name)s")
    assert kept_parts("%(name)s owes") != kept_parts("%(nom)s doit")
    assert kept_parts("Return %s") != kept_parts("Retoure")
    name = '<t t-out="object.partner_id.name"/>'
    assert kept_parts(f"Dear {name},") == kept_parts(f"Hallo {name},")
    assert kept_parts('<t t-out="object.name"/>') != kept_parts('<t t-out="object.nom"/>')
    assert kept_parts('<span title="Price">€</span>') == kept_parts('<span title="Preis">€</span>')
    assert kept_parts("{{ object.name }} approved") != kept_parts("genehmigt")
    assert kept_parts("10 %% off") == kept_parts("10 %% Rabatt")


def test_no_f_string_inside_a_translated_call():
    """Odoo's term extractor (Babel) evaluates every string inside ``_()``: an f-string there makes it give up
    on the whole file, whose terms then never reach the template. Format the value before the call."""
    import ast

    found = []
    for path in sorted(REPO.glob("reverse_logistics*/**/*.py")):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "_")
                or (isinstance(node.func, ast.Name) and node.func.id in ("_", "_lt"))
            ):
                values = [*node.args, *(keyword.value for keyword in node.keywords)]
                if any(isinstance(inner, ast.JoinedStr) for value in values for inner in ast.walk(value)):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert found == []
