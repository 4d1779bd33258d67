"""Every UI string of the reporters and every text of every check exists in
English and Japanese."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from test_report_support import examples_report

import iacguard.report as report_package
from iacguard.engine.checks import known_controls, load_checks
from iacguard.findings import SEVERITIES
from iacguard.report import FORMATS, writer
from iacguard.report.compliance import STATUSES
from iacguard.report.i18n import LANGS, MESSAGES, t

REPORT_DIR = Path(report_package.__file__).parent


def _fields(text: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_ui_string_has_english_and_japanese_with_the_same_placeholders() -> None:
    assert LANGS == ("en", "ja")
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGS), key
        for lang in LANGS:
            assert isinstance(texts[lang], str) and texts[lang].strip(), (key, lang)
        assert _fields(texts["en"]) == _fields(texts["ja"]), key


def test_japanese_strings_are_japanese() -> None:
    untranslated = {"mic.paas", "col.id", "severity.CRITICAL"}  # names that are the same in both
    for key, texts in MESSAGES.items():
        if texts["en"] == texts["ja"]:
            assert key in untranslated or not re.search(r"[a-z]{3}", texts["ja"]), key


def test_every_key_the_reporters_use_exists() -> None:
    used = set()
    for path in REPORT_DIR.glob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-zA-Z0-9_.\-]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "the reporters look keys up with t(...)"
    assert sorted(used - set(MESSAGES)) == []
    # keys built at run time
    dynamic = ([f"status.{s}" for s in STATUSES] + [f"status.{s}.help" for s in STATUSES]
               + [f"severity.{s}" for s in SEVERITIES] + [f"result.{r}" for r in ("pass", "fail", "suppressed")]
               + [f"kind.{k}" for k in ("inSource", "external")])
    assert sorted(k for k in dynamic if k not in MESSAGES) == []


def test_every_catalogue_section_and_category_has_a_heading() -> None:
    for entry in known_controls().values():
        if entry.get("section"):
            assert f"section.{entry['section'].split()[0]}" in MESSAGES, entry["section"]
        else:
            assert f"mic.{entry['mic_category']}" in MESSAGES, entry["mic_category"]


def test_every_check_speaks_both_languages() -> None:
    for c in load_checks().checks:
        for field in ("title", "description", "remediation"):
            texts = getattr(c, field)
            for lang in LANGS:
                assert texts.get(lang, "").strip(), (c.id, field, lang)
        for number, clause in enumerate(c.clauses, 1):
            if clause.message:
                for lang in LANGS:
                    assert clause.message.get(lang, "").strip(), (c.id, f"clause {number} message", lang)
                assert _fields(clause.message["en"]) == _fields(clause.message["ja"]), (c.id, number)


# JSON is a machine contract; the xlsx workbook speaks both languages by design.
@pytest.mark.parametrize("fmt", [f for f in FORMATS if f not in ("json", "xlsx")])
def test_japanese_output_has_no_english_ui_strings(fmt: str) -> None:
    text = writer(fmt)(examples_report("ja"))
    for key, texts in MESSAGES.items():
        english = texts["en"]
        # catalogue titles are quoted in English, so generic names (sections, categories) may appear
        if english == texts["ja"] or _fields(english) or len(english) < 12 or key.startswith(("section.", "mic.")):
            continue
        assert english not in text, (fmt, key)


def test_unknown_language_falls_back_to_english() -> None:
    assert t("c.summary", "fr") == "Summary"
