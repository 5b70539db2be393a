"""A drive network's contraction hierarchy kept on disk beside the network's cache file.

Contracting a county network costs seconds (about 3 s for 106,000 nodes); a planner's command
that inserts one late child in a fresh process should not pay it each time. The file is named by
a hash of the graph and weights it contracts, so a changed network or weight never reads an old
hierarchy; an unreadable file is contracted again and rewritten. Nothing personal is stored: it
holds road-graph arrays only.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np

from routing.hierarchy import Hierarchy, contract

log = logging.getLogger(__name__)

FORMAT = 1
"""Raise it when the arrays a file holds change meaning (it is part of the file name's hash)."""

_FIELDS = ("rank", "up_ptr", "up_to", "up_w", "dn_ptr", "dn_from", "dn_w")


def hierarchy_file(network_file: Path, n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> Path:
    """Where the hierarchy of this graph under weight ``w`` is kept, beside ``network_file``."""
    h = hashlib.sha256(f"{FORMAT}:{n}:{len(u)}".encode())
    for a in (u, v, w):
        h.update(np.ascontiguousarray(a, dtype=np.int64).tobytes())
    return network_file.with_name(f"{network_file.stem}-hierarchy-{h.hexdigest()[:16]}.npz")


def _read(path: Path, n: int) -> Hierarchy | None:
    """The hierarchy of ``n`` nodes kept at ``path``, or None if there is none or it is not whole."""
    try:
        with np.load(path, allow_pickle=False) as z:
            h = Hierarchy(*(np.array(z[name]) for name in _FIELDS))
    except FileNotFoundError:
        return None
    except Exception as exc:  # damaged or foreign: contract again, never trust it
        log.warning("ignoring unreadable hierarchy cache %s: %s", path.name, type(exc).__name__)
        return None
    if not (len(h.rank) == n and len(h.up_ptr) == len(h.dn_ptr) == n + 1
            and len(h.up_to) == len(h.up_w) == h.up_ptr[-1] and len(h.dn_from) == len(h.dn_w) == h.dn_ptr[-1]):
        log.warning("ignoring inconsistent hierarchy cache %s", path.name)
        return None
    return h


def _write(path: Path, h: Hierarchy) -> None:
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    try:
        np.savez(tmp, **{name: getattr(h, name) for name in _FIELDS})
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache still plans; the next process contracts again
        log.warning("could not keep the hierarchy beside the network cache: %s", exc.strerror or exc)
        tmp.unlink(missing_ok=True)


def cached_contract(network_file: Path | None, n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> Hierarchy:
    """The hierarchy of ``n`` nodes and edges ``u -> v`` of weight ``w``: read from beside
    ``network_file`` when kept there, else contracted (and kept there when there is a file)."""
    if network_file is None:
        return contract(n, u, v, w)
    path = hierarchy_file(Path(network_file), n, u, v, w)
    h = _read(path, n)
    if h is None:
        h = contract(n, u, v, w)
        _write(path, h)
    return h
