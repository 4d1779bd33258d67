"""The resource graph: every resource a node, every reference an edge.

An edge ``a -> b`` means resource ``a`` refers to ``b`` (an attribute
reference, ``Ref``/``GetAtt``, ``DependsOn``, ``dependsOn``, ``resourceId``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Callable, Dict, Hashable, Iterable, List, Optional, Sequence, Set, Tuple

import networkx as nx

from .model import Resource

NodeKey = Tuple[str, str]  # (namespace, address)


_INSTANCE_KEY = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]$')


def _base_address(address: str) -> str:
    """``aws_s3_bucket.b["x"]`` and ``aws_s3_bucket.b[0]`` -> ``aws_s3_bucket.b``."""
    return _INSTANCE_KEY.sub("", address)


class ResourceGraph:
    def __init__(self, resources: Sequence[Resource]) -> None:
        self.graph = nx.DiGraph()
        self._by_key: Dict[NodeKey, Resource] = {}
        self._by_type: Dict[Tuple[str, str], List[Resource]] = defaultdict(list)
        self._memo: Dict[Hashable, Any] = {}
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
                for target in index.get((link.namespace, link.address.lower()), ()):
                    if target == source:
                        continue
                    if self.graph.has_edge(source, target):
                        self.graph.edges[source, target]["via"].add(link.via)
                    else:
                        self.graph.add_edge(source, target, via={link.via})

    @staticmethod
    def key(resource: Resource) -> NodeKey:
        return (resource.namespace, resource.address)

    def neighbours(self, resource: Resource, direction: str = "any",
                   via: Optional[Set[str]] = None) -> Iterable[Resource]:
        """Resources linked to ``resource``: ``in`` those referring to it,
        ``out`` those it refers to; with ``via``, only links made by those
        attributes of the referring resource."""
        key = self.key(resource)
        if key not in self.graph:
            return []
        keys: List[NodeKey] = []
        if direction in ("in", "any"):
            keys.extend(k for k in self.graph.predecessors(key) if _through(self.graph.edges[k, key], via))
        if direction in ("out", "any"):
            keys.extend(k for k in self.graph.successors(key) if _through(self.graph.edges[key, k], via))
        return [self._by_key[k] for k in dict.fromkeys(keys)]

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
        """Does ``resource`` refer to any resource of ``resource_type``?"""
        return any(r.type.lower() == resource_type.lower()
                   for r in self.neighbours(resource, "out"))


def _through(edge: Dict[str, Any], via: Optional[Set[str]]) -> bool:
    return via is None or bool(edge["via"] & via)


def _aliases(resource: Resource) -> List[str]:
    address = resource.address.lower()
    aliases = {address, _base_address(address)}
    if resource.format == "arm":
        # dependsOn may name a resource by its name alone or by type/name.
        name = address[len(resource.type) + 1:] if address.startswith(resource.type.lower() + "/") else address
        aliases.add(name)
    return sorted(aliases)
