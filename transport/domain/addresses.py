"""Address points by UPRN: OS Open UPRN (or AddressBase) coordinates, read once into a sorted index.

The national OS Open UPRN file holds about 40 million rows, so it is not read per request: the
first use reads ``UPRN, X_COORDINATE, Y_COORDINATE`` (British National Grid metres) into three
numpy arrays sorted by UPRN and saves them under the cache directory (keyed by the file's path,
size and modification time); later processes memory-map them and look a UPRN up by binary search.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from transport.domain.config import get_settings
from transport.domain.errors import InputError
from transport.domain.geo import LatLon

COLUMNS = ("UPRN", "X_COORDINATE", "Y_COORDINATE")
"""The OS Open UPRN columns read (the file also has LATITUDE, LONGITUDE)."""
CACHE_VERSION = 1
_UPRN = re.compile(r"^\d{1,12}$")


def normalise_uprn(text: object) -> int:
    """A UPRN as an integer (1-12 digits), or a clear error."""
    value = str(text).strip().removesuffix(".0")  # a spreadsheet's number cell
    if not _UPRN.match(value):
        raise InputError("home_uprn is not a UPRN (1 to 12 digits)")  # the value is not echoed: an address
    return int(value)


class AddressIndex:
    """UPRN -> British National Grid point, from sorted arrays."""

    def __init__(self, uprn: np.ndarray, easting: np.ndarray, northing: np.ndarray, source: str):
        self._uprn, self._e, self._n, self.source = uprn, easting, northing, source

    def __len__(self) -> int:
        return len(self._uprn)

    def __contains__(self, uprn: object) -> bool:
        try:
            self._find(normalise_uprn(uprn))
        except InputError:
            return False
        return True

    def _find(self, uprn: int) -> int:
        i = int(np.searchsorted(self._uprn, uprn))
        if i >= len(self._uprn) or int(self._uprn[i]) != uprn:
            raise InputError(f"UPRN is not in the address file {self.source} (outside the area it covers, "
                             f"or mistyped)")  # the UPRN is not echoed: it identifies a home
        return i

    def bng(self, uprn: object) -> tuple[float, float]:
        """Easting and northing (metres) of an address point."""
        i = self._find(normalise_uprn(uprn))
        return float(self._e[i]), float(self._n[i])

    def lookup(self, uprn: object) -> LatLon:
        """The WGS84 point of an address."""
        return LatLon.from_bng(*self.bng(uprn))

    @classmethod
    def from_csv(cls, path: Path, cache_dir: Path | None = None) -> AddressIndex:
        """The index of an OS Open UPRN CSV, built once and then read from the cache."""
        path = Path(path)
        if not path.exists():
            raise InputError(f"address file {path} not found (SEN_TRANSPORT_UPRN)")
        folder = None
        if cache_dir is not None:
            st = path.stat()
            key = hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
            folder = Path(cache_dir) / f"uprn-{key}-v{CACHE_VERSION}"
            if (folder / "uprn.npy").exists():
                return cls(*(np.load(folder / f"{n}.npy", mmap_mode="r") for n in ("uprn", "easting", "northing")),
                           source=path.name)
        uprn, east, north = read_uprn_csv(path)
        if folder is not None:
            tmp = folder.with_name(folder.name + ".partial")
            tmp.mkdir(parents=True, exist_ok=True)
            for name, arr in (("uprn", uprn), ("easting", east), ("northing", north)):
                np.save(tmp / f"{name}.npy", arr)
            tmp.replace(folder)
        return cls(uprn, east, north, source=path.name)

    @classmethod
    def load(cls) -> AddressIndex:
        """The address file named by the settings (``SEN_TRANSPORT_UPRN``), once per process and file version."""
        s = get_settings()
        path = s.path("uprn")
        st = path.stat()
        return _loaded(str(path), st.st_size, st.st_mtime_ns, str(s.cache_dir))


@lru_cache(maxsize=4)
def _loaded(path: str, size: int, mtime_ns: int, cache_dir: str) -> AddressIndex:
    return AddressIndex.from_csv(Path(path), Path(cache_dir))


def read_uprn_csv(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """UPRNs (sorted, unique) and their eastings and northings; a bad row is one error naming it."""
    import pandas as pd

    try:
        header = pd.read_csv(path, nrows=0).columns
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path.name}: not an OS Open UPRN CSV ({exc.__class__.__name__})") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"{path.name}: not an OS Open UPRN CSV: the header (row 1) has no column "
                         f"{', '.join(missing)}")
    parts = []
    dtypes = {"UPRN": "int64", "X_COORDINATE": "float64", "Y_COORDINATE": "float64"}
    try:  # fast path: the C parser straight into numbers, 2 million rows at a time
        for chunk in pd.read_csv(path, usecols=list(COLUMNS), dtype=dtypes, chunksize=2_000_000):
            parts.append(np.column_stack([chunk[c].to_numpy(dtype=float) for c in COLUMNS]))
            if chunk.isna().any().any():
                raise ValueError("blank cell")
    except (ValueError, OverflowError):
        _raise_first_bad_row(path)
    data = np.concatenate(parts) if parts else np.empty((0, 3))
    del parts
    if len(data) == 0:
        raise InputError(f"{path.name} has no address rows")
    order = np.argsort(data[:, 0], kind="stable")
    data = data[order]
    uprn = data[:, 0].astype(np.int64)
    dup = np.flatnonzero(uprn[1:] == uprn[:-1])
    if len(dup):
        raise InputError(f"{path.name}: UPRN {uprn[dup[0]]} appears more than once")
    return uprn, data[:, 1].copy(), data[:, 2].copy()


def _raise_first_bad_row(path: Path) -> None:
    """Find the first row that is not three numbers and name it (the slow path, only on a bad file)."""
    import pandas as pd

    offset = 0
    for chunk in pd.read_csv(path, usecols=list(COLUMNS), dtype=str, chunksize=1_000_000, keep_default_na=False):
        for c in COLUMNS:
            bad = pd.to_numeric(chunk[c], errors="coerce").isna().to_numpy()
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"{path.name} row {offset + i + 2}: {c} {chunk[c].iloc[i]!r} is not a number")
        offset += len(chunk)
    raise InputError(f"{path.name}: not readable as OS Open UPRN numbers")
