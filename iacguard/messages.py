"""The texts iacguard itself writes into findings (titles of its own
findings, messages about files and suppressions, the details of a value), in
every language: the one table of them, as report/i18n.py is the table of the
reports' words. Each entry is a format string per language."""

from __future__ import annotations

from typing import Dict

MESSAGES: Dict[str, Dict[str, str]] = {
    "parse_error_title": {"en": "File could not be parsed", "ja": "ファイルを解析できません"},
    "invalid_suppression_title": {
        "en": "Suppression that cannot apply (no reason or unreadable date)",
        "ja": "適用できない抑止指定（理由がない、または期限の日付が読めない）"},
    "unused_suppression_title": {"en": "Suppression that matches no finding",
                                 "ja": "どの検出事項にも該当しない抑止指定"},
    "parse_error": {"en": "{message}", "ja": "解析できません: {message}"},
    "retired_id": {"en": "{retired} is retired: it now stands for {new}; write those ids instead",
                   "ja": "{retired} は廃止された ID で、現在は {new} を指す。新しい ID に書き換えること"},
    "suppression_expired": {"en": "{message} (its suppression expired on {expired})",
                            "ja": "{message}（抑止指定は {expired} に期限切れ）"},
    "suppression_bad_date": {
        "en": "iacguard:ignore {ids} has an unreadable date until={until} (use YYYY-MM-DD), "
              "so it suppresses nothing",
        "ja": "iacguard:ignore {ids} の期限 until={until} が読めない（YYYY-MM-DD で書く）ため、抑止されない"},
    "suppression_no_reason": {"en": "iacguard:ignore {ids} gives no reason, so it suppresses nothing",
                              "ja": "iacguard:ignore {ids} に理由が書かれていないため、抑止されない"},
    "suppression_unused": {"en": "iacguard:ignore {ids} matches no finding; remove it",
                           "ja": "iacguard:ignore {ids} はどの検出事項にも該当しない。削除してよい"},
    # The details of a finding's value (engine/runner.py).
    "value_is": {"en": "{path} = {value}", "ja": "{path} = {value}"},
    "value_absent": {"en": "{path} is not set", "ja": "{path} が未設定"},
    "value_default": {"en": "{path} is not set; the default is {default}",
                      "ja": "{path} が未設定で、既定値は {default}"},
    "value_origin": {"en": ", from {origin}", "ja": "、{origin} から"},
    "declared_at": {"en": " [declared at {where}]", "ja": "［{where} で記述］"},
}


def text(key: str, lang: str, **fields: object) -> str:
    return MESSAGES[key][lang].format(**fields)


def message(key: str, **fields: object) -> Dict[str, str]:
    """The text ``key`` in every language, with ``fields`` filled in."""
    return {lang: text(key, lang, **fields) for lang in MESSAGES[key]}
