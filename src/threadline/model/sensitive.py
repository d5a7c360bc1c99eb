"""Which FtM properties hold personal details that a policy may mask.

The list follows what data-protection law and newsroom practice treat as
sensitive about a person: how to reach or find them (phones, e-mails,
addresses), how to identify them (birth date and place, identity, passport,
tax and social security numbers, bank accounts) and special categories
(religion, ethnicity, political views). A company's registration or tax
number is public register data and stays visible; the same property on a
person is masked.
"""

from __future__ import annotations

from functools import cache

from followthemoney import model
from followthemoney.types import registry

#: property types that are personal wherever they appear
_SENSITIVE_TYPES = frozenset({registry.phone.name, registry.email.name, registry.address.name})

#: properties that are personal on any schema that has them
_ALWAYS = frozenset(
    {
        "birthDate",
        "birthPlace",
        "deathDate",
        "passportNumber",
        "personalNumber",
        "socialSecurityNumber",
        "iban",
        # found in a document's text (an identifier-typed property)
        "ibanMentioned",
        "accountNumber",
        "password",
        "privateKey",
        "religion",
        "ethnicity",
        "political",
        "appearance",
        "eyeColor",
        "hairColor",
        "height",
        "weight",
    }
)

#: identity numbers that are personal on a person, public on an organisation
_ON_PEOPLE = frozenset({"idNumber", "taxNumber", "innCode", "vatCode"})

#: schemata that are personal details as a whole (their number, street, ...)
_PERSONAL_SCHEMATA = ("Identification", "Address")
_PUBLIC_ON_PERSONAL = frozenset({"country", "city", "region", "state", "authority", "type"})


@cache
def is_sensitive(schema: str, prop: str) -> bool:
    """Whether ``schema``'s property ``prop`` is a personal detail to mask.
    Unknown schemata or properties are not (nothing to mask is known)."""
    entity_schema = model.get(schema)
    if entity_schema is None:
        return False
    prop_def = entity_schema.get(prop)
    if prop_def is None:
        return False
    if prop_def.type.name in _SENSITIVE_TYPES or prop in _ALWAYS:
        return True
    if prop in _ON_PEOPLE and entity_schema.is_a("Person"):
        return True
    personal = any(entity_schema.is_a(name) for name in _PERSONAL_SCHEMATA)
    return personal and prop_def.type != registry.entity and prop not in _PUBLIC_ON_PERSONAL
