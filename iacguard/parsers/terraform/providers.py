"""Which cloud a Terraform resource type belongs to, from its name: the
same for a configuration and for a plan or state."""

from __future__ import annotations

_PROVIDER_PREFIXES = (
    ("azurerm_", "azure"), ("azuread_", "azure"), ("azapi_", "azure"),
    ("aws_", "aws"), ("google_", "gcp"), ("google-beta_", "gcp"),
)


def provider_of(resource_type: str) -> str:
    for prefix, provider in _PROVIDER_PREFIXES:
        if resource_type.startswith(prefix):
            return provider
    return resource_type.split("_", 1)[0]
