"""The Spanish translations cover every string of the .pot, with the same placeholders.

The .pot is regenerated from the code by ``scripts/i18n``; these checks keep a release
from shipping an English string or a translation that breaks a ``%s`` at runtime.
"""

import re
from pathlib import Path

import pytest

polib = pytest.importorskip("polib")

I18N = Path(__file__).resolve().parents[2] / "i18n"
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdf]|%[sdf]|\{\{.*?\}\}|t-out=\"[^\"]*\"")
TAG = re.compile(r"<\s*(/?[a-zA-Z][a-zA-Z0-9]*)")


def _pot_ids():
    pot = polib.pofile(str(I18N / "account_collections_mx.pot"))
    return {e.msgid for e in pot if e.msgid}


@pytest.mark.parametrize("lang", ["es", "es_MX"])
def test_every_string_is_translated(lang):
    po = polib.pofile(str(I18N / f"{lang}.po"))
    translated = {e.msgid for e in po if e.msgstr and "fuzzy" not in e.flags}
    missing = sorted(_pot_ids() - translated)
    assert not missing, f"{len(missing)} strings untranslated in {lang}.po, e.g. {missing[:3]}"


@pytest.mark.parametrize("lang", ["es", "es_MX"])
def test_placeholders_and_tags_kept(lang):
    po = polib.pofile(str(I18N / f"{lang}.po"))
    broken = []
    for entry in po:
        if not entry.msgstr:
            continue
        if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr)):
            broken.append(entry.msgid)
        elif TAG.findall(entry.msgid) != TAG.findall(entry.msgstr):
            broken.append(entry.msgid)
    assert not broken, f"placeholders or tags changed in {lang}.po: {broken[:3]}"
