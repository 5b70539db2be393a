"""Pseudonymous ids for children in anything an operator or a log sees.

``pseudonym(child_id)`` is a keyed hash (HMAC-SHA-256): stable for one council's key, not
reversible without it, and different between councils. The key comes from
``SEN_TRANSPORT_PSEUDONYM_KEY``; otherwise one is generated once and kept in the cache folder.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from transport.domain.config import get_settings


@lru_cache(maxsize=1)
def _key() -> bytes:
    settings = get_settings()
    if settings.pseudonym_key is not None and settings.pseudonym_key.get_secret_value():
        return settings.pseudonym_key.get_secret_value().encode()
    path = settings.cache_dir / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def pseudonym(child_id: str) -> str:
    """A stable pseudonymous id such as ``P-3f9a0c12``."""
    digest = hmac.new(_key(), str(child_id).encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:8]}"
