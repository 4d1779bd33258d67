"""The resource graph: every resource a node, every reference an edge.

An edge ``a -> b`` means resource ``a`` refers to ``b`` (an attribute
reference, ``Ref``/``GetAtt``, ``DependsOn``, ``dependsOn``, ``resourceId``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Callable, Dict, Hashable, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

import networkx as nx

from .model import Resource

NodeKey = Tuple[str, str]  # (namespace, address)
GroupKey = Tuple[str, str, str]  # ("group", namespace, name)


_INSTANCE_KEY = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]$')


def _base_address(address: str) -> str:
    """``aws_s3_bucket.b["x"]`` and ``aws_s3_bucket.b[0]`` -> ``aws_s3_bucket.b``."""
    return _INSTANCE_KEY.sub("", address)


class ResourceGraph:
    """Resources and the references between them.

    A reference that names many resources at once (``depends_on =
    [aws_s3_bucket.a]`` with ``count``, an ARM ``dependsOn`` on a copy loop)
    is one edge to a group node, not an edge to every member: between two
    expanded blocks the edges would be the product of their sizes (thousands
    squared). ``neighbours`` sees through groups, so to a check nothing
    changes.
    """

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.graph = nx.DiGraph()
        self._by_key: Dict[NodeKey, Resource] = {}
        self._by_type: Dict[Tuple[str, str], List[Resource]] = defaultdict(list)
        self._memo: Dict[Hashable, Any] = {}
        # Group node -> its members by lower-case type, and those referring
        # to it by type and referring attribute (an ordered set); member ->
        # its groups. Indexed so, because a check asks for neighbours of a
        # few types through a few attributes, and a group may be large.
        self._groups: Dict[GroupKey, Dict[str, List[NodeKey]]] = {}
        self._referrers: Dict[GroupKey, Dict[str, Dict[str, Dict[NodeKey, None]]]] = {}
        self._member_of: Dict[NodeKey, List[GroupKey]] = defaultdict(list)
        index: Dict[Tuple[str, str], List[NodeKey]] = defaultdict(list)
        for resource in resources:
            key = self.key(resource)
            self._by_key[key] = resource
            self._by_type[(resource.namespace, resource.type.lower())].append(resource)
            self.graph.add_node(key)
            for alias in _aliases(resource):
                index[(resource.namespace, alias)].append(key)
        for resource in resources:
            source = self.key(resource)
            for link in resource.links:
                name = (link.namespace, link.address.lower())
                targets = index.get(name, ())
                if len(targets) > 1:
                    group = self._group(name, targets)
                    by_via = self._referrers[group].setdefault(resource.type.lower(), {})
                    by_via.setdefault(link.via, {})[source] = None
                    self._add_edge(source, group, link.via)
                elif targets and targets[0] != source:
                    self._add_edge(source, targets[0], link.via)

    def _group(self, name: Tuple[str, str], members: Sequence[NodeKey]) -> GroupKey:
        group = ("group",) + name
        if group not in self._groups:
            by_type: Dict[str, List[NodeKey]] = defaultdict(list)
            for member in members:
                by_type[self._by_key[member].type.lower()].append(member)
                self._member_of[member].append(group)
            self._groups[group] = dict(by_type)
            self._referrers[group] = {}
            self.graph.add_node(group)
        return group

    def _add_edge(self, source: NodeKey, target: Tuple[str, ...], via: str) -> None:
        if self.graph.has_edge(source, target):
            self.graph.edges[source, target]["via"].add(via)
        else:
            self.graph.add_edge(source, target, via={via})

    @staticmethod
    def key(resource: Resource) -> NodeKey:
        return (resource.namespace, resource.address)

    def neighbours(self, resource: Resource, direction: str = "any",
                   via: Optional[Set[str]] = None, types: Optional[Set[str]] = None) -> List[Resource]:
        """Resources linked to ``resource``: ``in`` those referring to it,
        ``out`` those it refers to; with ``via``, only links made by those
        attributes of the referring resource; with ``types`` (lower case),
        only resources of those types."""
        key = self.key(resource)
        if key not in self.graph:
            return []
        keys: List[NodeKey] = []
        if direction in ("in", "any"):
            keys.extend(k for k in self.graph.predecessors(key) if _through(self.graph.edges[k, key], via))
            for group in self._member_of.get(key, ()):
                for rtype, by_via in self._referrers[group].items():
                    if types is None or rtype in types:
                        for made_by, sources in by_via.items():
                            if via is None or made_by in via:
                                keys.extend(sources)
        if direction in ("out", "any"):
            for k in self.graph.successors(key):
                if not _through(self.graph.edges[key, k], via):
                    continue
                keys.extend(_of_types(self._groups[k], types) if k in self._groups else (k,))
        found = (self._by_key[k] for k in dict.fromkeys(keys) if k != key)
        return [r for r in found if types is None or r.type.lower() in types]

    def of_type(self, namespace: str, types: Iterable[str]) -> List[Resource]:
        out: List[Resource] = []
        for t in types:
            out.extend(self._by_type.get((namespace, t.lower()), ()))
        return out

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per graph for ``key``: for what depends on the
        resources alone, not on the one being judged."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def has_edge_to_type(self, resource: Resource, resource_type: str) -> bool:
        """Does ``resource`` refer to any resource of ``resource_type``?
        (Without listing a group's members: this is asked once per resource
        of a type, and groups may be large.)"""
        key, wanted = self.key(resource), resource_type.lower()
        for k in self.graph.successors(key) if key in self.graph else ():
            if k in self._groups:
                members = self._groups[k].get(wanted, ())
                if len(members) > 1 or (members and members[0] != key):
                    return True
            elif k != key and self._by_key[k].type.lower() == wanted:
                return True
        return False


def _of_types(by_type: Dict[str, List[NodeKey]], types: Optional[Set[str]]) -> Iterator[NodeKey]:
    for rtype, keys in by_type.items():
        if types is None or rtype in types:
            yield from keys


def _through(edge: Dict[str, Any], via: Optional[Set[str]]) -> bool:
    return via is None or bool(edge["via"] & via)


def _aliases(resource: Resource) -> List[str]:
    address = resource.address.lower()
    return sorted({address, _base_address(address), *(g.lower() for g in resource.groups),
                   *(a.lower() for a in resource.aliases)})
