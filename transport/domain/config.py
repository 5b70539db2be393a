"""Where the engine finds its data: one setting, overridable per file.

``SEN_TRANSPORT_DATA`` names the data directory (default: ``../shared/data`` beside the
checkout when present). Each file inside it can be overridden by its own variable, so a
council can point the engine at its own county extract and postcode file::

    export SEN_TRANSPORT_DATA=/srv/kent-data
    export SEN_TRANSPORT_DRIVE_OSM=osm/kent-drive.osm.bz2
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from transport.domain.errors import DataNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE_DATA = PROJECT_ROOT / "sample_data"


def _default_data_dir() -> Path:
    for candidate in (PROJECT_ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT.parent / "shared" / "data"


class Settings(BaseSettings):
    """Data locations and network options (environment prefix ``SEN_TRANSPORT_``)."""

    model_config = SettingsConfigDict(env_prefix="SEN_TRANSPORT_", extra="ignore")

    data: Path = Field(default_factory=_default_data_dir, description="data directory")
    drive_osm: str = Field("osm/rutland-drive-20220720.osm.bz2", description="OSM XML of drivable ways")
    walk_osm: str = Field("osm/rutland-walk-20220720.osm.bz2", description="OSM XML of walkable ways")
    postcodes: str = Field(
        "postcodes/codepoint_open_2025.4.0/rutland_postcodes.csv.gz",
        description="Code-Point Open CSV (no header; gzip allowed); several may be separated by ','",
    )
    schools_osm: str = Field("schools/rutland_osm_schools_20220720.csv", description="OSM schools CSV")
    school_attributes: Path = Field(
        SAMPLE_DATA / "schools" / "rutland_school_attributes.yaml",
        description="project-authored school attributes keyed by DfE URN",
    )
    uprn: str = Field(str(SAMPLE_DATA / "addresses" / "rutland_uprn_synthetic.csv"),
                      description="OS Open UPRN CSV (UPRN,X_COORDINATE,Y_COORDINATE,...): homes given by UPRN")
    gias_types: str = Field("reference/gias_establishment_types_20250109.csv",
                            description="DfE GIAS establishment-type code list (type names to codes)")
    schools_border_km: float = Field(10.0, description="keep other LAs' GIAS schools this close to the council's own")
    cache_dir: Path = Field(PROJECT_ROOT / ".cache", description="prepared-network cache")
    max_snap_m: float = Field(500.0, description="largest allowed snap distance in metres")
    eligibility_tree_schools: int = Field(
        4096, ge=1, description="schools whose shortest-path trees eligibility keeps in memory, least recently used "
                                "dropped first (a whole-network search: about 24 bytes per node reached, per way "
                                "of leaving the entrance; a search stopped at a reach: the nodes it reached only)")
    eligibility_tree_mb: float = Field(
        3000.0, gt=0, description="megabytes of shortest-path trees eligibility keeps at most (least recently used "
                                  "schools' dropped first; at least one school's are kept)")
    eligibility_workers: int = Field(
        1, ge=1, description="processes a large batch of eligibility decisions is spread over (forked, a share of "
                             "at least 2,000 applications each; 1: the calling process only)")
    pseudonym_key: SecretStr | None = Field(
        None, description="key for children's pseudonymous ids (default: one generated once in cache_dir)")
    dask_scheduler: str | None = Field(
        None, description="Dask scheduler address for county runs, e.g. tcp://10.0.0.5:8786 (default: a local pool)")
    tile_url: str = Field("", description="map tile server URL template ({z}/{x}/{y}); empty: the extract's roads")
    council: Path = Field(SAMPLE_DATA / "council" / "rutland.yaml",
                          description="the council's name, address and contact for letters and pages (YAML)")
    unsafe_segments: Path | None = Field(
        None, description="assessed unsafe walking segments (GeoJSON LineStrings) the eligibility engine avoids, "
                          "e.g. sample_data/unsafe_segments/rutland_sample.geojson; unset: none")

    def path(self, name: str) -> Path:
        """The absolute path of a configured data file, checked to exist."""
        value = getattr(self, name)
        p = Path(value)
        if not p.is_absolute():
            p = self.data / p
        if not p.exists():
            raise DataNotFoundError(
                f"{name} file {p} not found: set SEN_TRANSPORT_DATA (now {self.data}) "
                f"or SEN_TRANSPORT_{name.upper()}"
            )
        return p

    def paths(self, name: str) -> list[Path]:
        """Several comma-separated data files of one setting, each checked to exist."""
        out = []
        for part in str(getattr(self, name)).split(","):
            p = Path(part.strip())
            p = p if p.is_absolute() else self.data / p
            if not p.exists():
                raise DataNotFoundError(f"{name} file {p} not found (SEN_TRANSPORT_{name.upper()})")
            out.append(p)
        return out


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
