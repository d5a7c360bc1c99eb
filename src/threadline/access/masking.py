"""Masking of personal details, and revealing them one value at a time.

Who sees masked values: the roles in ``AccessSettings.masked_roles`` (viewers
by default), everywhere; and everyone reading entities in a case whose owner
turned masking on (``Cases.set_masking``). Which values: the properties
``threadline.model.sensitive`` names (birth dates, identity numbers,
addresses, phones, e-mails, ...).

A masked value is replaced by a *reference*: an HMAC of the entity, property
and value under a key that lives only in this process. A plain hash would
give a birth date away to anyone who hashes the 40,000 dates of a century;
the keyed one reveals nothing, and it changes when the server restarts.
Revealing sends the reference back with a reason; the reveal is recorded
(property and reason, never the value) before the value is returned.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from threadline.access.cases import Cases
from threadline.access.policy import Principal
from threadline.access.settings import AccessSettings

REF_LENGTH = 24


class Masking:
    def __init__(self, cases: Cases, settings: AccessSettings) -> None:
        self.cases = cases
        self.masked_roles = settings.masked_roles
        self._key = secrets.token_bytes(32)

    def applies(self, principal: Principal, case_id: str | None) -> bool:
        """Whether ``principal`` reading in ``case_id`` (or outside any case)
        sees personal details masked."""
        if str(principal.role) in self.masked_roles:
            return True
        return case_id is not None and self.cases.masks(case_id)

    def ref(self, entity_id: str, prop: str, value: str) -> str:
        message = "\x1f".join((entity_id, prop, value)).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:REF_LENGTH]

    def matches(self, ref: str, entity_id: str, prop: str, value: str) -> bool:
        return hmac.compare_digest(ref, self.ref(entity_id, prop, value))
