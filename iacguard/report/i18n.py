"""Every UI string of the reporters, in English and Japanese.

Check texts (titles, descriptions, remediation, clause messages) live in the
check files; everything the reporters themselves print lives here, one key
each with ``en`` and ``ja``. ``tests/test_report_i18n.py`` fails when a key
lacks a language or the two languages disagree on placeholders.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

LANGS = ("en", "ja")

_TABLE = {
    # --- shared labels -------------------------------------------------------
    "label.resource": {"en": "resource", "ja": "リソース"},
    "label.controls": {"en": "controls", "ja": "管理策"},
    "label.remediation": {"en": "remediation", "ja": "対処方法"},
    "label.suppressed": {"en": "suppressed: {reason}", "ja": "抑止: {reason}"},
    "label.findings": {"en": "{count} findings", "ja": "検出 {count} 件"},
    # --- checks explain -------------------------------------------------------
    "explain.severity": {"en": "Severity", "ja": "重大度"},
    "explain.rationale": {"en": "Why this severity", "ja": "重大度の根拠"},
    "explain.provider": {"en": "Provider", "ja": "プロバイダー"},
    "explain.category": {"en": "MIC category", "ja": "MIC 設定カテゴリ"},
    "explain.formats": {"en": "Formats", "ja": "対象形式"},
    "explain.types": {"en": "Resource types", "ja": "対象リソース"},
    "explain.description": {"en": "Description", "ja": "説明"},
    "explain.remediation": {"en": "Remediation", "ja": "対処方法"},
    "explain.controls": {"en": "Controls", "ja": "管理策"},
    "explain.iso": {"en": "ISO/IEC 27017", "ja": "ISO/IEC 27017"},
    "explain.csa": {"en": "CSA Security Guidance", "ja": "CSA セキュリティガイダンス"},
    "explain.cis": {"en": "CIS Benchmarks", "ja": "CIS ベンチマーク"},
    "explain.requires": {"en": "Runs only with", "ja": "次の設定があるときのみ実行"},
    # --- text ------------------------------------------------------------------
    "text.summary": {
        "en": "{files} files, {resources} resources, {checks} checks: {failed} findings ({by}), "
              "{passed} passed, {suppressed} suppressed, {errors} parse errors",
        "ja": "{files} ファイル・{resources} リソース・{checks} チェック: 検出 {failed} 件（{by}）、"
              "合格 {passed} 件、抑止 {suppressed} 件、解析エラー {errors} 件",
    },
    "text.none": {"en": "No findings.", "ja": "検出事項はありません。"},
    # --- SARIF -----------------------------------------------------------------
    "sarif.description": {"en": "Description", "ja": "説明"},
    "sarif.remediation": {"en": "Remediation", "ja": "対処方法"},
    "sarif.controls": {"en": "Controls", "ja": "管理策"},
    "sarif.cis": {"en": "CIS Benchmarks", "ja": "CIS ベンチマーク"},
    "sarif.parse_error.help": {
        "en": "The file could not be parsed, so none of its resources were checked. "
              "Fix the error reported at the given line and scan again.",
        "ja": "ファイルを解析できなかったため、このファイルのリソースは一つもチェックされていません。"
              "示された行のエラーを修正してから再度スキャンしてください。",
    },
    "sarif.notification.parse_error": {
        "en": "A file could not be parsed",
        "ja": "解析できないファイルがある",
    },
    "sarif.notification.limit": {
        "en": "Output cut to GitHub code scanning's upload limits",
        "ja": "GitHub code scanning のアップロード上限に合わせて出力を削った",
    },
    "sarif.limit.results": {
        "en": "{dropped} of {total} results were left out: GitHub code scanning rejects a run with more "
              "than {limit} results. The most severe unsuppressed findings were kept.",
        "ja": "GitHub code scanning は 1 回の実行で {limit} 件を超える結果を受け付けないため、"
              "{total} 件中 {dropped} 件を省略しました。抑止されていない重大度の高いものを優先して残しています。",
    },
    "sarif.limit.size": {
        "en": "{dropped} more results were left out to keep the gzip-compressed file within GitHub's "
              "{limit} MB upload limit.",
        "ja": "gzip 圧縮後のファイルを GitHub のアップロード上限 {limit} MB に収めるため、さらに {dropped} 件の結果を省略しました。",
    },
    "sarif.limit.rules": {
        "en": "{dropped} rules without results were left out: GitHub code scanning rejects a run with more "
              "than {limit} rules.",
        "ja": "GitHub code scanning は 1 回の実行で {limit} 件を超えるルールを受け付けないため、"
              "結果のないルール {dropped} 件を省略しました。",
    },
    "sarif.limit.tags": {
        "en": "The tags of {count} rules were cut to {limit}, the most GitHub shows per rule; every control "
              "is still listed in the rule's properties.",
        "ja": "GitHub が 1 ルールにつき表示するタグは {limit} 個までのため、{count} 件のルールのタグを削りました。"
              "管理策はすべてルールの properties に残っています。",
    },
    "sarif.limit.text": {
        "en": "The names or descriptions of {count} rules were shortened to GitHub's length limits "
              "({name} characters for a name, {description} for a description); the full text is in "
              "the rule's help.",
        "ja": "GitHub の文字数上限（名前 {name} 文字、説明 {description} 文字）に合わせて {count} 件のルールの"
              "名前または説明を短くしました。全文はルールの help にあります。",
    },
    # --- JUnit -----------------------------------------------------------------
    "junit.parse_error": {"en": "file could not be parsed", "ja": "ファイルを解析できません"},
    # --- GitHub Actions ----------------------------------------------------------
    "github.title": {"en": "{id} ({severity}): {title}", "ja": "{id}（{severity}）: {title}"},
    "github.limit": {
        "en": "iacguard: {count} {level} annotations written; GitHub shows at most {limit} of each kind "
              "per step, the most severe first. Upload the SARIF output to see every finding.",
        "ja": "iacguard: {level} の注釈を {count} 件出力しました。GitHub が 1 ステップで表示するのは種類ごとに "
              "{limit} 件まで（重大度の高い順）です。すべての検出事項を見るには SARIF を出力してアップロードしてください。",
    },
    # --- compliance report: frame ------------------------------------------------
    "c.title": {"en": "IaC security compliance report", "ja": "IaC セキュリティ設定 準拠状況レポート"},
    "c.intro": {
        "en": "Produced by iacguard {version} from a static analysis of the templates, not of the running "
              "cloud environment: {files} files, {resources} resources, {checks} checks run.",
        "ja": "iacguard {version} がテンプレートを静的に解析した結果です。稼働中のクラウド環境そのものは確認していません。"
              "対象はファイル {files} 件、リソース {resources} 件、実行したチェック {checks} 件です。",
    },
    "c.contents": {"en": "Contents", "ja": "目次"},
    "c.summary": {"en": "Summary", "ja": "概要"},
    "c.status_counts": {"en": "Controls by status", "ja": "判定別の管理策数"},
    "c.severity_counts": {"en": "Findings by severity", "ja": "重大度別の検出件数"},
    "c.suppressed_count": {"en": "Suppressed findings: {count}", "ja": "抑止された検出事項: {count} 件"},
    "c.parse_warning": {
        "en": "{count} files could not be parsed. Their resources were not checked, so the statuses below "
              "may be incomplete (see “Files that could not be parsed”).",
        "ja": "{count} 件のファイルを解析できませんでした。これらのファイルのリソースはチェックされていないため、"
              "以下の判定は不完全な可能性があります（「解析できなかったファイル」を参照）。",
    },
    "c.legend": {"en": "What the statuses mean", "ja": "判定の意味"},
    "c.part.nisc": {"en": "NISC manual, sections 4.1 and 4.2", "ja": "NISC マニュアル 4.1・4.2 の管理策"},
    "c.part.mic": {"en": "MIC guideline: additional controls", "ja": "総務省ガイドラインに基づく追加の管理策"},
    "c.part.cis": {"en": "CIS Benchmark items cited by the checks", "ja": "チェックが参照する CIS ベンチマーク項目"},
    "c.part.other": {"en": "Other controls cited by the checks", "ja": "カタログにないその他の管理策"},
    "c.group.other": {"en": "Not in the control catalogue", "ja": "管理策カタログに未登録"},
    "c.parse_errors": {"en": "Files that could not be parsed", "ja": "解析できなかったファイル"},
    "c.examined": {"en": "Resources examined", "ja": "確認したリソース"},
    "c.failures": {"en": "Failures and remediation", "ja": "不適合の箇所と対処方法"},
    "c.suppressions": {"en": "Suppressed findings", "ja": "抑止された検出事項"},
    "c.partial": {"en": "Only partly checkable from IaC: {reason}", "ja": "IaC で確認できるのは一部のみ: {reason}"},
    "c.none": {"en": "None.", "ja": "なし。"},
    "c.catalogue_note": {
        "en": "Control titles, MIC items and the reasons a control cannot be checked are quoted from the "
              "control catalogue.",
        "ja": "管理策の名称と「IaC では確認不可」の理由は管理策カタログからの引用です。"
              "理由はカタログに英語の記載しかないため、英語のまま掲載しています。",
    },
    "c.footer": {
        "en": "Generated by iacguard {version}. A static check shows how resources are declared in the "
              "templates; settings made outside them, and organisational measures, need evidence of their own.",
        "ja": "iacguard {version} により作成。静的解析で分かるのはテンプレート上の宣言内容です。テンプレート外で行った設定や"
              "組織的な対策については、別途エビデンスを確認してください。",
    },
    # --- compliance report: columns ----------------------------------------------
    "col.status": {"en": "Status", "ja": "判定"},
    "col.total": {"en": "Total", "ja": "合計"},
    "col.severity": {"en": "Severity", "ja": "重大度"},
    "col.count": {"en": "Unsuppressed findings", "ja": "検出件数（抑止分を除く）"},
    "col.id": {"en": "ID", "ja": "ID"},
    "col.control": {"en": "Control", "ja": "管理策"},
    "col.item": {"en": "Item", "ja": "項目"},
    "col.looks_for": {"en": "What the checks look for", "ja": "チェック内容"},
    "col.checks": {"en": "Checks", "ja": "チェック"},
    "col.examined": {"en": "Resources", "ja": "リソース数"},
    "col.note": {"en": "Notes", "ja": "備考"},
    "col.check": {"en": "Check", "ja": "チェック"},
    "col.resource": {"en": "Resource", "ja": "リソース"},
    "col.type": {"en": "Type", "ja": "種別"},
    "col.location": {"en": "Location", "ja": "場所"},
    "col.result": {"en": "Result", "ja": "結果"},
    "col.message": {"en": "Finding", "ja": "検出内容"},
    "col.remediation": {"en": "Remediation", "ja": "対処方法"},
    "col.reason": {"en": "Reason", "ja": "理由"},
    "col.kind": {"en": "Suppressed in", "ja": "抑止の指定場所"},
    "col.file": {"en": "File", "ja": "ファイル"},
    "col.error": {"en": "Error", "ja": "エラー内容"},
    # --- statuses and results ----------------------------------------------------
    "status.fail": {"en": "Fail", "ja": "不適合"},
    "status.pass": {"en": "Pass", "ja": "適合"},
    "status.not_applicable": {"en": "Not applicable", "ja": "対象リソースなし"},
    "status.no_check": {"en": "No check yet", "ja": "チェック未実装"},
    "status.not_checkable": {"en": "Not checkable from IaC", "ja": "IaC では確認不可"},
    "status.fail.help": {
        "en": "At least one finding of a check citing the control is not suppressed.",
        "ja": "この管理策を参照するチェックで、抑止されていない検出事項が 1 件以上ある。",
    },
    "status.pass.help": {
        "en": "The checks citing the control ran, examined resources and found nothing unsuppressed.",
        "ja": "この管理策を参照するチェックを実行し、対象リソースに（抑止分を除き）問題が見つからなかった。",
    },
    "status.not_applicable.help": {
        "en": "The checks citing the control ran, but the templates declare no resource they apply to.",
        "ja": "この管理策を参照するチェックは実行したが、対象となるリソースがテンプレートになかった。",
    },
    "status.no_check.help": {
        "en": "The control can be checked from IaC, but no check of this run cites it.",
        "ja": "IaC で確認できる管理策だが、今回実行したチェックの中に参照するものがない。",
    },
    "status.not_checkable.help": {
        "en": "The control depends on settings or operations outside the templates; confirm it another way.",
        "ja": "テンプレート外の設定や運用に依存するため IaC では確認できない。別の方法で確認すること。",
    },
    "result.pass": {"en": "pass", "ja": "合格"},
    "result.fail": {"en": "fail", "ja": "不合格"},
    "result.suppressed": {"en": "suppressed", "ja": "抑止"},
    "kind.inSource": {"en": "template", "ja": "テンプレート内"},
    "kind.external": {"en": "configuration or baseline", "ja": "設定ファイル・ベースライン"},
    # --- catalogue groups ----------------------------------------------------------
    "section.4.1.1": {"en": "4.1.1 Identity and access management", "ja": "4.1.1 ID およびアクセス管理"},
    "section.4.1.2": {"en": "4.1.2 Logging and monitoring", "ja": "4.1.2 ログの記録と監視"},
    "section.4.1.3": {"en": "4.1.3 Network", "ja": "4.1.3 ネットワーク"},
    "section.4.1.4": {"en": "4.1.4 Virtual machines", "ja": "4.1.4 仮想マシン"},
    "section.4.1.5": {"en": "4.1.5 Storage", "ja": "4.1.5 ストレージ"},
    "section.4.1.6": {"en": "4.1.6 Databases", "ja": "4.1.6 データベース"},
    "section.4.2.1": {"en": "4.2.1 Google Workspace security settings",
                      "ja": "4.2.1 Google Workspace において設定すべきセキュリティ対策"},
    "section.4.2.2": {"en": "4.2.2 Microsoft 365 security settings",
                      "ja": "4.2.2 Microsoft 365 において設定すべきセキュリティ対策"},
    "mic.IAM": {"en": "Identity and access management", "ja": "ID・アクセス管理"},
    "mic.paas": {"en": "PaaS", "ja": "PaaS"},
    "mic.vm": {"en": "Virtual machines", "ja": "仮想マシン"},
    "mic.database": {"en": "Databases", "ja": "データベース"},
    "mic.object-storage": {"en": "Object storage", "ja": "オブジェクトストレージ"},
    "mic.logging": {"en": "Logging", "ja": "ログ管理"},
    "mic.network": {"en": "Network", "ja": "ネットワーク"},
    "mic.container": {"en": "Containers", "ja": "コンテナ"},
    "mic.central-security": {"en": "Central security management", "ja": "セキュリティの一元管理"},
    "mic.key-management": {"en": "Key management", "ja": "鍵管理"},
    "mic.other": {"en": "Other", "ja": "その他"},
    "severity.CRITICAL": {"en": "CRITICAL", "ja": "緊急"},
    "severity.HIGH": {"en": "HIGH", "ja": "高"},
    "severity.MEDIUM": {"en": "MEDIUM", "ja": "中"},
    "severity.LOW": {"en": "LOW", "ja": "低"},
}

MESSAGES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {key: MappingProxyType(dict(texts)) for key, texts in _TABLE.items()})
del _TABLE


def has(key: str) -> bool:
    return key in MESSAGES


def t(key: str, lang: str, **values: Any) -> str:
    """The text of ``key`` in ``lang`` (English when the language is unknown),
    with ``{placeholders}`` filled from ``values``."""
    texts = MESSAGES[key]
    text = texts.get(lang) or texts["en"]
    return text.format(**values) if values else text
