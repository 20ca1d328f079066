"""Both catalogs are complete: every string the portal shows has a Chinese and an English text."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%s|%d")


#: Babel reads ``zh_CN`` as ``zh_Hans_CN``, and Flask-Babel looks for the catalog under that name
FOLDER = {"zh_CN": "zh_Hans_CN", "en": "en"}


def catalog(locale: str):
    with open(TRANSLATIONS / FOLDER[locale] / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """Every msgid in the code and templates right now."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--ignore-dirs",  # Babel skips folders starting with _ unless told: templates/_macros
            ".* __pycache__ node_modules",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_message_is_translated(locale):
    empty = [m.id for m in catalog(locale) if m.id and not all(s.strip() for s in strings(m))]
    fuzzy = [m.id for m in catalog(locale) if m.id and m.fuzzy]
    assert not empty, f"{len(empty)} empty translations in {locale}, e.g. {empty[:5]}"
    assert not fuzzy, f"fuzzy translations in {locale}: {fuzzy[:5]}"


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_catalog_covers_every_string_in_the_code(locale, extracted):
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(locale) if m.id}
    missing = sorted(extracted - known)
    assert not missing, f"run scripts/i18n: {len(missing)} strings missing from {locale}, e.g. {missing[:5]}"


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_placeholders_survive_translation(locale):
    for message in catalog(locale):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings(message):
            assert set(PLACEHOLDER.findall(text)) == wanted, (message.id, text)


def test_chinese_catalog_is_chinese():
    translated = [s for m in catalog("zh_CN") if m.id for s in strings(m)]
    with_han = [s for s in translated if re.search(r"[\u4e00-\u9fff]", s)]
    assert len(with_han) >= 0.8 * len(translated)
