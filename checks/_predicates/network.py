"""Predicates for network rules: does a rule's port specification admit a
given port (22, 3389, ...)? Each returns TRUE, FALSE or UNKNOWN."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, List, Optional, Sequence, Tuple

from iacguard.engine.conditions import Context, Evidence, Result, Tri
from iacguard.engine.paths import ABSENT, parse_path, resolve
from iacguard.model import is_unknown

_ANY_PROTOCOL = {"-1", "all", "*", "any"}
_ALL_PORTS = (0, 65535)


@lru_cache(maxsize=256)
def _steps(path: str) -> Tuple[Any, ...]:
    # The same few paths are read for every rule of every security group.
    return parse_path(path)


def _value(ctx: Context, path: Optional[str]) -> Any:
    if not path:
        return ABSENT
    matches = list(resolve(ctx.base, _steps(path), ctx.ignore_case))
    return matches[0].value if matches else ABSENT


def _protocol_ok(protocol: Any, protocols: List[str]) -> Tri:
    if protocol is ABSENT or protocol is None:
        return Tri.TRUE
    if is_unknown(protocol):
        return Tri.UNKNOWN
    text = str(protocol).strip().lower()
    if text in _ANY_PROTOCOL or text in protocols:
        return Tri.TRUE
    # IANA protocol numbers: 6 is TCP, 17 is UDP.
    if text in ("6", "17"):
        return Tri.TRUE if {"6": "tcp", "17": "udp"}[text] in protocols else Tri.FALSE
    return Tri.FALSE


def _number(value: Any) -> Optional[int]:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _bounds(text: str) -> Optional[Tuple[int, int]]:
    """The ends of a "low-high" port range, or None when either is not a number."""
    low, high = (_number(x) for x in text.split("-", 1))
    return None if low is None or high is None else (low, high)


def _spec_includes(spec: Any, port: int) -> Tri:
    """A port spec as Azure and GCP write it: "22", "20-30", "*" (or a list)."""
    if is_unknown(spec):
        return Tri.UNKNOWN
    if isinstance(spec, list):
        states = [_spec_includes(item, port) for item in spec]
        if Tri.TRUE in states:
            return Tri.TRUE
        return Tri.UNKNOWN if Tri.UNKNOWN in states else Tri.FALSE
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return Tri.TRUE if int(spec) == port else Tri.FALSE
    if not isinstance(spec, str):
        return Tri.FALSE
    text = spec.strip()
    if text in ("*", "any", "Any"):
        return Tri.TRUE
    if "-" in text:
        bounds = _bounds(text)
        return Tri.TRUE if bounds and bounds[0] <= port <= bounds[1] else Tri.FALSE
    number = _number(text)
    return Tri.TRUE if number == port else Tri.FALSE


def _verdict(ctx: Context, protocol: Tri, ports: Tri) -> Result:
    if Tri.FALSE in (protocol, ports):
        return Result(Tri.FALSE)
    if Tri.UNKNOWN in (protocol, ports):
        return Result(Tri.UNKNOWN)
    evidence = [Evidence(ctx.base_path, None)]
    return Result(Tri.TRUE, evidence, evidence)


def _aws_range(ctx: Context, from_port: str, to_port: str, protocol: Optional[str],
               protocols: Sequence[str]) -> Tuple[Tri, Tri, Tuple[int, int]]:
    """An AWS-style rule as (protocol admitted?, ports known?, (low, high)):
    numeric from/to ports and a protocol ("-1" means all traffic, in which
    case the ports are ignored and the range is every port)."""
    proto_value = _value(ctx, protocol)
    proto = _protocol_ok(proto_value, list(protocols))
    if proto is Tri.TRUE and not is_unknown(proto_value) and proto_value is not ABSENT \
            and str(proto_value).strip().lower() in _ANY_PROTOCOL:
        return Tri.TRUE, Tri.TRUE, _ALL_PORTS
    low, high = _value(ctx, from_port), _value(ctx, to_port)
    if is_unknown(low) or is_unknown(high):
        return proto, Tri.UNKNOWN, (0, -1)
    lo, hi = _number(low), _number(high)
    if lo is None or hi is None:
        return proto, Tri.FALSE, (0, -1)
    if lo == -1 and hi == -1:  # ICMP-style "all" in some templates
        return proto, Tri.TRUE, _ALL_PORTS
    return proto, Tri.TRUE, (lo, hi)


def _range_verdict(ctx: Context, proto: Tri, known: Tri, decided: bool) -> Result:
    return _verdict(ctx, proto, known if known is not Tri.TRUE else (Tri.TRUE if decided else Tri.FALSE))


def port_range_includes(ctx: Context, ports: List[int], from_port: str, to_port: str,
                        protocol: Optional[str] = None, protocols: Sequence[str] = ("tcp",)) -> Result:
    """The rule admits one of ``ports``."""
    proto, known, (lo, hi) = _aws_range(ctx, from_port, to_port, protocol, protocols)
    return _range_verdict(ctx, proto, known, any(lo <= p <= hi for p in ports))


def port_range_beyond(ctx: Context, allowed: List[int], from_port: str, to_port: str,
                      protocol: Optional[str] = None, protocols: Sequence[str] = ("tcp",)) -> Result:
    """The rule admits a port that is not in ``allowed``."""
    proto, known, (lo, hi) = _aws_range(ctx, from_port, to_port, protocol, protocols)
    inside = sum(1 for p in set(allowed) if lo <= p <= hi)
    return _range_verdict(ctx, proto, known, hi - lo + 1 > inside)


def port_range_all(ctx: Context, from_port: str, to_port: str, protocol: Optional[str] = None,
                   protocols: Sequence[str] = ("tcp", "udp")) -> Result:
    """The rule admits every port: all traffic, or 0 (or 1) to 65535."""
    proto, known, (lo, hi) = _aws_range(ctx, from_port, to_port, protocol, protocols)
    return _range_verdict(ctx, proto, known, lo <= 1 and hi >= _ALL_PORTS[1])


def port_spec_includes(ctx: Context, ports: List[int], paths: List[str],
                       protocol: Optional[str] = None, protocols: Sequence[str] = ("tcp",),
                       absent_means_all: bool = False) -> Result:
    """Azure / GCP style: port specs as strings ("22", "20-30", "*") found at
    any of ``paths`` (single values or lists)."""
    proto = _protocol_ok(_value(ctx, protocol), list(protocols))
    specs = [v for v in (_value(ctx, p) for p in paths) if v is not ABSENT and v is not None]
    if not specs or all(isinstance(s, list) and not s for s in specs):
        state = Tri.TRUE if absent_means_all else Tri.FALSE
    else:
        states = [_spec_includes(s, p) for s in specs for p in ports]
        state = Tri.TRUE if Tri.TRUE in states else (Tri.UNKNOWN if Tri.UNKNOWN in states else Tri.FALSE)
    return _verdict(ctx, proto, state)


def _range_width(spec: Any) -> Optional[int]:
    """How many ports a "low-high" spec covers; None for a single port or text."""
    if not isinstance(spec, str) or "-" not in spec:
        return None
    bounds = _bounds(spec)
    return None if bounds is None else bounds[1] - bounds[0] + 1


def port_range_wider_than(ctx: Context, path: str, ports: int) -> Result:
    """A GCP/Azure-style port range at ``path`` (e.g. ``ports[*]``) that covers
    more than ``ports`` ports; the finding points at each such range."""
    evidence: List[Evidence] = []
    unknown = False
    for match in resolve(ctx.base, parse_path(path), ctx.ignore_case):
        if is_unknown(match.value):
            unknown = True
            continue
        width = _range_width(match.value)
        if width is not None and width > ports:
            evidence.append(Evidence(ctx.base_path + match.path, match.value))
    if evidence:
        return Result(Tri.TRUE, evidence, evidence)
    return Result(Tri.UNKNOWN if unknown else Tri.FALSE)


PREDICATES = {
    "port_range_includes": port_range_includes,
    "port_range_beyond": port_range_beyond,
    "port_range_all": port_range_all,
    "port_spec_includes": port_spec_includes,
    "port_range_wider_than": port_range_wider_than,
}
