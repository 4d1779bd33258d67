"""Predicates over the mail-authentication records a DNS zone publishes:
SPF (RFC 7208), DMARC (RFC 7489) and DKIM key records (RFC 6376, RFC 8301).

A TXT record is written differently in every format: Terraform and
CloudFormation values may carry the zone-file quotes themselves
(``"\\"v=spf1 -all\\""``) and long values are split into several quoted
character-strings (``"first\\"\\"second"``, ``"\\"first\\" \\"second\\""``);
ARM lists the character-strings (``"value": ["first", "second"]``). Receivers
join the character-strings of one record without spaces (RFC 7208 3.3,
RFC 6376 3.6.2.2), so every form is reduced to that joined text before the
record is read. Google Cloud DNS splits an unquoted value at its spaces
(``unquoted="split"``), which matters for SPF: its terms are separated by
spaces, and joined without them the record no longer starts with ``v=spf1``.

Unknown values are holes in the text. A record whose deciding part is
unknown is undecided; a hole inside a mechanism's or tag's argument
(``include:${var.domain}``, ``rua=mailto:${var.address}``) is taken to be that
argument and leaves the rest of the record readable.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Iterable, List, NamedTuple, Optional, Set, Tuple

from iacguard.engine.conditions import Context, Evidence, Result, Tri
from iacguard.engine.paths import ABSENT, parse_path, resolve
from iacguard.model import PartialString, is_unknown

# Stands for an unknown piece of text (a private-use character no record holds).
HOLE = "\ue000"

KINDS = ("spf", "dmarc", "dkim")
DEFECTS = {
    "spf": ("permissive", "no_default", "multiple", "split_by_spaces"),
    "dmarc": ("no_enforcement", "subdomains_unenforced", "multiple"),
    "dkim": ("revoked", "testing", "weak_key", "sha1_only"),
}
# RFC 8301: verifiers must not accept signatures by RSA keys below 1024 bits
# and signers should use at least 2048 bits.
MIN_RSA_BITS = 2048


# --- tri-state helpers ----------------------------------------------------------

def _and(*states: Tri) -> Tri:
    if Tri.FALSE in states:
        return Tri.FALSE
    return Tri.UNKNOWN if Tri.UNKNOWN in states else Tri.TRUE


# (NamedTuple, not dataclass: predicate modules are loaded outside sys.modules.)
class Verdict(NamedTuple):
    state: Tri
    detail: str = ""  # the part of the record that decides it, for the message


_FALSE = Verdict(Tri.FALSE)
_UNKNOWN = Verdict(Tri.UNKNOWN)


def show(text: str) -> str:
    """Record text for a message: unknown pieces as an ellipsis."""
    return text.replace(HOLE, "…")


# --- from attribute values to record text ----------------------------------------

def _raw(value: Any) -> Optional[str]:
    """The text of one written string, unknown pieces as HOLE; None when the
    whole value is unknown or not text."""
    if isinstance(value, PartialString):
        return "".join(HOLE if part is None else part for part in value.parts)
    if is_unknown(value):
        return HOLE
    if isinstance(value, bool) or value is None or value is ABSENT:
        return None
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def character_strings(text: str, unquoted: str = "whole") -> List[str]:
    """The character-strings a written TXT value publishes.

    Quoted forms are read as a zone file reads them (backslash escapes,
    ``\\DDD`` decimal escapes); a value with inner quotes but no outer ones
    (``first""second``, as the Route 53 provider documents) is read as if it
    were wrapped in quotes. An unquoted value is one string, or with
    ``unquoted="split"`` one string per space-separated word."""
    stripped = text.strip()
    if stripped.startswith('"') or re.search(r'"\s*"', stripped):
        if not stripped.startswith('"'):
            stripped = f'"{stripped}"'
        return _read_quoted(stripped)
    if unquoted == "split":
        return text.split()
    return [text]


def _read_quoted(text: str) -> List[str]:
    out: List[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if char == '"':
            i += 1
            piece: List[str] = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    digits = text[i + 1:i + 4]
                    if len(digits) == 3 and digits.isdigit():
                        piece.append(chr(int(digits)))
                        i += 4
                    else:
                        piece.append(text[i + 1])
                        i += 2
                    continue
                piece.append(text[i])
                i += 1
            i += 1  # the closing quote
            out.append("".join(piece))
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        out.append(text[start:i])
    return out


def record_text(value: Any, unquoted: str = "whole") -> Optional[str]:
    """The text receivers read for one TXT record: its character-strings
    joined without spaces. ``value`` is one written string or, as ARM writes
    it, a list of them. None when nothing of it is text."""
    pieces = value if isinstance(value, list) else [value]
    joined: List[str] = []
    for piece in pieces:
        raw = _raw(piece)
        if raw is None:
            return None
        joined.extend(character_strings(raw, unquoted))
    return "".join(joined)


def written_text(value: Any) -> Optional[str]:
    """The value as written, without reading quotes (for ``split_by_spaces``)."""
    pieces = value if isinstance(value, list) else [value]
    raws = [_raw(p) for p in pieces]
    return None if any(r is None for r in raws) else "".join(raws)  # type: ignore[arg-type]


def _starts_with(text: str, prefix: str) -> Tri:
    """Does ``text`` start with ``prefix`` (case-insensitively)? A hole
    before the prefix is decided makes it unknown."""
    for i, wanted in enumerate(prefix):
        if i >= len(text):
            return Tri.FALSE
        if text[i] == HOLE:
            return Tri.UNKNOWN
        if text[i].lower() != wanted.lower():
            return Tri.FALSE
    return Tri.TRUE


# --- SPF ---------------------------------------------------------------------------

def is_spf(text: str) -> Tri:
    """RFC 7208 4.5: an SPF record starts with exactly "v=spf1", ended by a
    space or the end of the record."""
    start = _starts_with(text, "v=spf1")
    if start is not Tri.TRUE:
        return start
    if len(text) == 6 or text[6] == " ":
        return Tri.TRUE
    return Tri.UNKNOWN if text[6] == HOLE else Tri.FALSE


_ALL = re.compile(r"([+\-~?]?)all", re.IGNORECASE)
# A term whose mechanism or modifier name is written before the unknown part.
_NAMED_ARGUMENT = re.compile(r"^[+\-~?]?[a-z][a-z0-9_.\-]*[:=/]", re.IGNORECASE)


class SpfTerms(NamedTuple):
    all_term: Optional[str]  # the first "all" mechanism as written, e.g. "~all"
    redirect: bool
    blocked: bool  # an unknown term precedes the first "all" (it might be one)


def spf_terms(text: str) -> SpfTerms:
    terms = text.split(" ")
    blocked = HOLE in terms[0]  # "v=spf1" and whatever follows it unseparated
    redirect = False
    for term in terms[1:]:
        if not term:
            continue
        if HOLE in term:
            if not _NAMED_ARGUMENT.match(term.split(HOLE, 1)[0]):
                blocked = True
            elif term.lower().startswith("redirect="):
                redirect = True
            continue
        if _ALL.fullmatch(term):
            return SpfTerms(term, redirect, blocked)
        if term.lower().startswith("redirect="):
            redirect = True
    return SpfTerms(None, redirect, blocked)


def spf_permissive(text: str) -> Verdict:
    """The record's "all" mechanism passes (``+all``, bare ``all``) or is
    neutral about (``?all``) every sender not listed before it."""
    terms = spf_terms(text)
    if terms.all_term is None:
        return _UNKNOWN if terms.blocked else _FALSE
    if terms.blocked:
        return _UNKNOWN
    qualifier = _ALL.fullmatch(terms.all_term).group(1) or "+"  # type: ignore[union-attr]
    return Verdict(Tri.TRUE, terms.all_term) if qualifier in "+?" else _FALSE


def spf_no_default(text: str) -> Verdict:
    """Neither an "all" mechanism nor a ``redirect=`` modifier: a sender the
    record does not list gets the neutral result (RFC 7208 4.7)."""
    terms = spf_terms(text)
    if terms.all_term is not None or terms.redirect:
        return _FALSE
    return _UNKNOWN if terms.blocked else Verdict(Tri.TRUE, show(text))


# --- tag lists (DMARC, DKIM) -----------------------------------------------------------

class Tags(NamedTuple):
    known: Tuple[Tuple[str, str], ...]  # (lower-case name, value) with names written out
    open: bool  # some tag's name is unknown: it may be any tag

    def get(self, name: str) -> Optional[str]:
        for key, value in self.known:
            if key == name:
                return value
        return None

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.known)


def tags(text: str) -> Tags:
    known: List[Tuple[str, str]] = []
    open_ = False
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep or HOLE in name:
            open_ = open_ or HOLE in part
            continue
        known.append((name.strip().lower(), value.strip()))
    return Tags(tuple(known), open_)


def _first_tag_is(text: str, name: str, value: str) -> Tri:
    """Does the tag list start with ``name=value`` (case-insensitively)?"""
    first = text.lstrip().split(";", 1)[0]
    key, sep, val = first.partition("=")
    if HOLE in key or (not sep and HOLE in first):
        return Tri.UNKNOWN
    if not sep or key.strip().lower() != name:
        return Tri.FALSE
    val = val.strip()
    if HOLE in val:
        return Tri.UNKNOWN if _starts_with(val, value) is not Tri.FALSE else Tri.FALSE
    return Tri.TRUE if val.lower() == value.lower() else Tri.FALSE


# --- DMARC ---------------------------------------------------------------------------

_LEVELS = {"none": 0, "quarantine": 1, "reject": 2}


def is_dmarc(text: str) -> Tri:
    """RFC 7489 6.4: a DMARC record's first tag is v=DMARC1."""
    return _first_tag_is(text, "v", "DMARC1")


def _policy_levels(record: Tags, tag: str) -> Tuple[Set[int], str]:
    """The levels a policy tag may stand for, and how it is written. A
    missing or invalid ``p`` acts as none (RFC 7489 6.6.3); a missing ``sp``
    is the ``p`` policy."""
    value = record.get(tag)
    if value is None:
        if record.open:
            return {0, 1, 2}, ""
        return ({0}, "") if tag == "p" else (set(), "")
    if HOLE in value:
        return {0, 1, 2}, ""
    level = _LEVELS.get(value.lower())
    if level is None:
        return ({0}, f"{tag}={value}") if tag == "p" else (set(), "")
    return {level}, f"{tag}={value}"


def _downgrades(record: Tags) -> Tuple[Set[bool], str]:
    """Whether the policy applies only in part: ``pct`` below 100 (RFC 7489:
    the other messages get the next weaker policy) or ``t=y`` (DMARCbis
    testing mode, read the same way)."""
    found: List[str] = []
    unknown = record.open
    pct = record.get("pct")
    if pct is not None:
        if HOLE in pct:
            unknown = True
        elif pct.strip().isdigit() and int(pct) < 100:
            found.append(f"pct={pct.strip()}")
    testing = record.get("t")
    if testing is not None:
        if HOLE in testing:
            unknown = True
        elif testing.strip().lower() == "y":
            found.append("t=y")
    if found:
        return {True}, "; ".join(found)
    return ({False, True} if unknown else {False}), ""


def _floor(levels: Set[int], downgrade: Set[bool]) -> Set[int]:
    return {max(0, level - int(d)) for level in levels for d in downgrade}


def dmarc_no_enforcement(text: str) -> Verdict:
    """Failing mail is not (or only partly) quarantined or rejected: ``p=none``,
    no or an invalid ``p=``, or ``p=quarantine`` applied to fewer than all
    messages (``pct`` < 100 or ``t=y``), whose remainder gets no policy.
    ``p=reject`` with ``pct`` < 100 still quarantines the remainder."""
    record = tags(text)
    levels, written = _policy_levels(record, "p")
    downgrade, partial = _downgrades(record)
    floor = _floor(levels, downgrade)
    if floor == {0}:
        if not written:
            return Verdict(Tri.TRUE, show(text))  # no p= at all: the record shows it
        return Verdict(Tri.TRUE, f"{written}; {partial}" if partial and levels != {0} else written)
    return _UNKNOWN if 0 in floor else _FALSE


def dmarc_subdomains_unenforced(text: str) -> Verdict:
    """The domain's own policy is enforced, but an explicit ``sp=`` leaves mail
    from its subdomains (those without their own DMARC record) unenforced."""
    record = tags(text)
    domain = dmarc_no_enforcement(text).state
    if domain is not Tri.FALSE:
        # An unenforced domain policy is reported as such, not once more here.
        return _FALSE if domain is Tri.TRUE else _UNKNOWN
    if record.get("sp") is None:
        return _UNKNOWN if record.open else _FALSE
    levels, written = _policy_levels(record, "sp")
    if not levels:
        return _FALSE
    downgrade, partial = _downgrades(record)
    floor = _floor(levels, downgrade)
    if floor == {0}:
        return Verdict(Tri.TRUE, f"{written}; {partial}" if partial and levels != {0} else written)
    return _UNKNOWN if 0 in floor else _FALSE


# --- DKIM ---------------------------------------------------------------------------

def is_dkim(text: str, selector_name: Tri) -> Tri:
    """A DKIM key record: first tag v=DKIM1, or (v= being optional) a record
    with a p= tag at a ``<selector>._domainkey`` name."""
    version = _first_tag_is(text, "v", "DKIM1")
    if version is Tri.TRUE:
        return Tri.TRUE
    first = text.lstrip().split(";", 1)[0].partition("=")[0].strip().lower()
    if first == "v" and version is Tri.FALSE:
        return Tri.FALSE  # another version: not a DKIM1 key record
    record = tags(text)
    has_key = Tri.TRUE if record.has("p") else (Tri.UNKNOWN if record.open else Tri.FALSE)
    by_name = _and(selector_name, has_key)
    if by_name is Tri.TRUE:
        return Tri.TRUE
    return Tri.UNKNOWN if Tri.UNKNOWN in (version, by_name) else Tri.FALSE


def dkim_revoked(text: str) -> Verdict:
    """RFC 6376 3.6.1: an empty p= means the key has been revoked."""
    key = tags(text).get("p")
    if key is None:
        return _UNKNOWN if tags(text).open else _FALSE
    if HOLE in key:
        return _UNKNOWN
    return Verdict(Tri.TRUE, "p=") if not re.sub(r"\s", "", key) else _FALSE


def _flag(record: Tags, tag: str, wanted: str) -> Verdict:
    value = record.get(tag)
    if value is None:
        return _UNKNOWN if record.open else _FALSE
    flags = [f.strip().lower() for f in value.split(":")]
    if wanted in flags:
        return Verdict(Tri.TRUE, f"{tag}={value.strip()}")
    return _UNKNOWN if HOLE in value else _FALSE


def dkim_testing(text: str) -> Verdict:
    """RFC 6376 3.6.1: t=y — verifiers must treat the domain's signed mail as unsigned."""
    return _flag(tags(text), "t", "y")


def dkim_sha1_only(text: str) -> Verdict:
    """h= allows only SHA-1, whose signatures RFC 8301 tells verifiers to reject."""
    record = tags(text)
    value = record.get("h")
    if value is None:
        return _UNKNOWN if record.open else _FALSE
    if HOLE in value:
        return _UNKNOWN
    algorithms = [a.strip().lower() for a in value.split(":") if a.strip()]
    if algorithms and "sha256" not in algorithms:
        return Verdict(Tri.TRUE, f"h={value.strip()}")
    return _FALSE


def dkim_weak_key(text: str) -> Verdict:
    """An RSA key (k=rsa, the default) shorter than 2048 bits."""
    record = tags(text)
    kind = record.get("k")
    if kind is not None and HOLE not in kind and kind.strip().lower() != "rsa":
        return _FALSE
    if kind is not None and HOLE in kind:
        return _UNKNOWN
    key = record.get("p")
    if key is None:
        return _UNKNOWN if record.open else _FALSE
    if HOLE in key:
        return _UNKNOWN
    bits = rsa_key_bits(key)
    if bits is None:
        return _FALSE
    return Verdict(Tri.TRUE, str(bits)) if bits < MIN_RSA_BITS else _FALSE


def rsa_key_bits(key: str) -> Optional[int]:
    """Bits of the modulus of a base64 RSA public key, as DKIM publishes it
    (SubjectPublicKeyInfo, or a bare RSAPublicKey); None when it is not one."""
    try:
        data = base64.b64decode(re.sub(r"\s", "", key), validate=True)
    except (binascii.Error, ValueError):
        return None
    body = _contents(data, 0, _SEQUENCE)
    first = None if body is None else _der(body, 0)
    if body is None or first is None:
        return None
    if first[0] == _SEQUENCE:  # SubjectPublicKeyInfo: AlgorithmIdentifier, BIT STRING
        bits = _contents(body, first[2], _BIT_STRING)
        body = _contents(bits[1:], 0, _SEQUENCE) if bits else None  # skip the unused-bits octet
        first = None if body is None else _der(body, 0)
        if body is None or first is None:
            return None
    if first[0] != _INTEGER:  # RSAPublicKey: INTEGER modulus, INTEGER exponent
        return None
    modulus = int.from_bytes(body[first[1]:first[2]], "big")
    return modulus.bit_length() or None


_INTEGER, _BIT_STRING, _SEQUENCE = 0x02, 0x03, 0x30


def _contents(data: bytes, at: int, tag: int) -> Optional[bytes]:
    """The content of the DER element at ``at``, if it is a ``tag``."""
    element = _der(data, at)
    return data[element[1]:element[2]] if element is not None and element[0] == tag else None


def _der(data: bytes, at: int) -> Optional[Tuple[int, int, int]]:
    """(tag, content start, content end) of the DER element at ``at``."""
    if at + 2 > len(data):
        return None
    tag, length = data[at], data[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            return None
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    end = start + length
    return (tag, start, end) if end <= len(data) else None


# --- the predicate -----------------------------------------------------------------------

_KIND_TEST = {"spf": is_spf, "dmarc": is_dmarc}
_DEFECT_TEST = {
    ("spf", "permissive"): spf_permissive,
    ("spf", "no_default"): spf_no_default,
    ("dmarc", "no_enforcement"): dmarc_no_enforcement,
    ("dmarc", "subdomains_unenforced"): dmarc_subdomains_unenforced,
    ("dkim", "revoked"): dkim_revoked,
    ("dkim", "testing"): dkim_testing,
    ("dkim", "weak_key"): dkim_weak_key,
    ("dkim", "sha1_only"): dkim_sha1_only,
}
_DOMAINKEY = re.compile(r"(^|\.)_domainkey(\.|$)", re.IGNORECASE)


def selector_name(name: Any, arm_name: bool = False) -> Tri:
    """Is the record's name ``<selector>._domainkey[.<domain>]``?"""
    text = _raw(name) if name is not ABSENT else None
    if text is None:
        return Tri.UNKNOWN if is_unknown(name) else Tri.FALSE
    if arm_name:
        text = text.rsplit("/", 1)[-1]
    if _DOMAINKEY.search(text.replace(HOLE, "x")) and not text.lower().startswith("_domainkey"):
        return Tri.TRUE
    return Tri.UNKNOWN if HOLE in text else Tri.FALSE


def _matches(ctx: Context, base: Any, path: str) -> List[Tuple[Tuple[Any, ...], Any]]:
    return [(m.path, m.value) for m in resolve(base, parse_path(path), ctx.ignore_case)]


def _value(ctx: Context, base: Any, path: Optional[str]) -> Any:
    if not path:
        return ABSENT
    found = _matches(ctx, base, path)
    return found[0][1] if found else ABSENT


def _record_sets(ctx: Context, sets: Optional[str]) -> Iterable[Tuple[Tuple[Any, ...], Any]]:
    if not sets:
        yield (), ctx.base
        return
    for path, value in _matches(ctx, ctx.base, sets):
        if value is not ABSENT:
            yield path, value


def _is_txt(ctx: Context, record_set: Any, type_path: Optional[str]) -> Tri:
    if not type_path:
        return Tri.TRUE
    value = _value(ctx, record_set, type_path)
    if is_unknown(value):
        return Tri.UNKNOWN
    return Tri.TRUE if isinstance(value, str) and value.strip().upper() == "TXT" else Tri.FALSE


def mail_auth_record(ctx: Context, kind: str, defect: str, records: str, name: Optional[str] = None,
                     type: Optional[str] = None, sets: Optional[str] = None,  # noqa: A002 - the DNS word
                     arm_name: bool = False, unquoted: str = "whole") -> Result:
    """TRUE for every TXT record of ``kind`` (spf, dmarc, dkim) with ``defect``.

    ``records`` is the path of the record values (``records[*]``,
    ``record[*].value``, ``properties.TXTRecords[*].value``), relative to each
    record set: the resource itself, or each element of ``sets``
    (``RecordSets[*]`` of a CloudFormation RecordSetGroup). ``type`` is the
    path of the record type (sets of another type are skipped), ``name`` that
    of the record name (for DKIM selectors; ``arm_name``: the last segment of
    an ARM child resource name). Evidence points at each offending record
    with the deciding part of it as the value."""
    if kind not in KINDS or defect not in DEFECTS[kind]:
        raise ValueError(f"unknown mail record check {kind}/{defect}")
    if unquoted not in ("whole", "split"):
        raise ValueError(f"unquoted is 'whole' or 'split', not {unquoted!r}")
    states: List[Tri] = []
    evidence: List[Evidence] = []
    for set_path, record_set in _record_sets(ctx, sets):
        if is_unknown(record_set):
            states.append(Tri.UNKNOWN)
            continue
        txt = _is_txt(ctx, record_set, type)
        if txt is Tri.FALSE:
            continue
        selector = selector_name(_value(ctx, record_set, name), arm_name) if kind == "dkim" else Tri.FALSE
        found = _judge_set(ctx, record_set, kind, defect, records, selector, unquoted)
        for path, state, detail in found:
            state = _and(txt, state)
            states.append(state)
            if state is Tri.TRUE:
                evidence.append(Evidence(ctx.base_path + set_path + path, detail))
    if evidence:
        return Result(Tri.TRUE, evidence, evidence)
    return Result(Tri.UNKNOWN if Tri.UNKNOWN in states else Tri.FALSE)


def _judge_set(ctx: Context, record_set: Any, kind: str, defect: str, records: str, selector: Tri,
               unquoted: str) -> List[Tuple[Tuple[Any, ...], Tri, str]]:
    """(path, state, detail) per record value of one record set."""
    values = [(p, v) for p, v in _matches(ctx, record_set, records) if v is not ABSENT and v is not None]
    texts = [(p, v, record_text(v, unquoted)) for p, v in values]
    out: List[Tuple[Tuple[Any, ...], Tri, str]] = []
    if defect == "split_by_spaces":
        for path, value, text in texts:
            written = written_text(value)
            if written is None or text is None:
                continue
            if is_spf(written) is not Tri.TRUE or '"' in written:
                continue
            published = is_spf(text)
            state = {Tri.TRUE: Tri.FALSE, Tri.FALSE: Tri.TRUE}.get(published, Tri.UNKNOWN)
            out.append((path, state, show(written)))
        return out

    def kind_of(text: Optional[str]) -> Tri:
        if text is None:
            return Tri.FALSE
        if kind == "dkim":
            return is_dkim(text, selector)
        return _KIND_TEST[kind](text)

    if defect == "multiple":
        kinds = [(path, text, kind_of(text)) for path, _, text in texts]
        certain = [(path, text) for path, text, state in kinds if state is Tri.TRUE]
        maybe = sum(1 for _, _, state in kinds if state is Tri.UNKNOWN)
        if len(certain) >= 2:
            out.extend((path, Tri.TRUE, show(text or "")) for path, text in certain[1:])
        elif len(certain) + maybe >= 2:
            out.append(((), Tri.UNKNOWN, ""))
        return out
    test = _DEFECT_TEST[(kind, defect)]
    for path, _, text in texts:
        if text is None:
            continue
        identified = kind_of(text)
        if identified is Tri.FALSE:
            continue
        verdict = test(text)
        out.append((path, _and(identified, verdict.state), verdict.detail))
    return out


PREDICATES = {"mail_auth_record": mail_auth_record}
