"""Schools from the DfE "Get Information About Schools" (GIAS) establishment CSV, merged with the council's YAML.

GIAS gives what a school *is* (type, phase, ages, sex, religious character, admissions, SEN
provision, location); the council's own YAML gives what GIAS lacks (bell times, entrances). The
result is a school-attributes YAML (``sen-transport/school-attributes/1``) that
``transport.domain.schools.load_schools`` reads into the engine's ``School`` model.

Kept: open schools of the council's LA, and open schools of other LAs within ``border_km`` of
one of the council's own (children cross the border). Every row read is accounted for: kept,
left out with its reason, or an error naming its row.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from scipy.spatial import cKDTree

from transport.domain.errors import InputError
from transport.domain.geo import LatLon
from transport.io.tabular import Row, read_table

REQUIRED = (
    "URN", "EstablishmentName", "TypeOfEstablishment (name)", "EstablishmentStatus (name)",
    "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge", "Gender (name)",
    "ReligiousCharacter (name)", "AdmissionsPolicy (name)", "Easting", "Northing",
    "TypeOfResourcedProvision (name)", *(f"SEN{i} (name)" for i in range(1, 14)), "LA (code)", "Postcode",
)
"""The published GIAS columns this reader needs (names as GIAS spells them)."""

OPEN_STATUSES = frozenset({"open", "open, but proposed to close"})

# GIAS TypeOfEstablishment code -> the engine's school type, or None when the council does not
# carry children there. Codes and names: ../shared/data/reference/gias_establishment_types_20250109.csv.
# "Qualifying schools" (Education Act 1996 s.444(1H), as the DfE home-to-school travel guidance
# uses the term): maintained schools, academies and free schools, CTCs, maintained and
# non-maintained special schools, PRUs and alternative provision academies.
TYPE_BY_CODE: dict[int, str | None] = {
    1: "mainstream", 2: "mainstream", 3: "mainstream", 5: "mainstream",           # LA maintained
    15: "mainstream",                                                            # LA nursery school
    6: "mainstream",                                                             # city technology college
    28: "mainstream", 34: "mainstream", 35: "mainstream", 40: "mainstream", 41: "mainstream",
    7: "special", 12: "special", 33: "special", 36: "special", 44: "special",    # maintained/academy special
    8: "non-maintained-special",
    10: "independent-special", 32: "independent-special",                        # incl. special post-16 institutions
    11: "independent",
    14: "alternative-provision", 38: "alternative-provision", 42: "alternative-provision",
    43: "alternative-provision",
    18: "further-education", 31: "further-education", 39: "further-education", 45: "further-education",
    46: "further-education",
    24: None, 25: None, 26: None, 27: None, 29: None, 30: None, 37: None, 49: None, 56: None, 57: None,
}

PHASES = {"nursery": "nursery", "primary": "primary", "middle deemed primary": "middle",
          "middle deemed secondary": "middle", "secondary": "secondary", "16 plus": "16-plus",
          "all-through": "all-through"}
PUPILS = {"mixed": "mixed", "boys": "boys", "girls": "girls"}
NO_RELIGION = frozenset({"", "none", "does not apply", "not applicable", "unknown"})
COUNCIL_FIELDS = ("bell", "entrances")
"""What the council's YAML adds to a GIAS school: GIAS has neither."""


def read_type_codes(path: Path) -> dict[str, int]:
    """GIAS type names (lower-case) to codes, from the DfE code list."""
    out: dict[str, int] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["type-of-establishment-name"].strip().lower()] = int(row["type-of-establishment-code"])
    return out


def phase_of(name: str, age_low: int, age_high: int) -> str:
    """GIAS phase name to the engine's phase; 'Not applicable' (independent, special) from the ages."""
    phase = PHASES.get(name.strip().lower())
    if phase:
        return phase
    if age_low >= 16:
        return "16-plus"
    if age_high <= 11:
        return "primary"
    return "secondary" if age_low >= 11 else "all-through"


def sen_of(row: Row, school_type: str) -> tuple[str, list[str]]:
    """SEN provision and the needs catered for (the abbreviation before ' - ' in SEN1-SEN13)."""
    needs = []
    for i in range(1, 14):
        value = row.get(f"sen{i} (name)")
        if value and value.lower() not in NO_RELIGION:
            needs.append(value.split(" - ")[0].strip())
    if school_type in ("special", "non-maintained-special", "independent-special"):
        return "special-school", needs
    rp = row.get("typeofresourcedprovision (name)").lower()
    if "resourced provision" in rp:
        return "resourced-provision", needs
    if "sen unit" in rp:
        return "sen-unit", needs
    return "none", needs


@dataclass
class GiasSelection:
    """What ``select_schools`` made of a GIAS file: schools by URN, and an account of every row."""

    schools: dict[str, dict]
    in_la: int = 0
    across_border: int = 0
    left_out: Counter = field(default_factory=Counter)
    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0


def _entry(row: Row, type_codes: dict[str, int]) -> dict:
    """One school's attributes from its GIAS row (raises InputError naming the column)."""
    type_name = row.get("typeofestablishment (name)")
    code_text = row.get("typeofestablishment (code)")
    code = int(code_text) if code_text.isdigit() else type_codes.get(type_name.lower())
    if code is None or code not in TYPE_BY_CODE:
        raise InputError(f"TypeOfEstablishment {type_name!r} is not in the GIAS code list")
    try:
        age_low, age_high = int(row.get("statutorylowage")), int(row.get("statutoryhighage"))
    except ValueError:
        raise InputError("StatutoryLowAge and StatutoryHighAge must be whole numbers") from None
    try:
        easting, northing = float(row.get("easting")), float(row.get("northing"))
    except ValueError:
        raise InputError("Easting and Northing must be numbers (British National Grid metres)") from None
    where = LatLon.from_bng(easting, northing)
    school_type = TYPE_BY_CODE[code]
    provision, needs = sen_of(row, school_type or "")
    religion = row.get("religiouscharacter (name)")
    entry = {
        "name": row.get("establishmentname"), "phase": phase_of(row.get("phaseofeducation (name)"), age_low, age_high),
        "age": [age_low, age_high], "type": school_type, "sen_provision": provision, "sen_needs": needs,
        "pupils": PUPILS.get(row.get("gender (name)").lower(), "mixed"),
        "admissions": "selective" if row.get("admissionspolicy (name)").lower() == "selective" else "comprehensive",
        "religion": None if religion.lower() in NO_RELIGION else religion,
        "lat": round(where.lat, 7), "lon": round(where.lon, 7), "easting": easting, "northing": northing,
        "postcode": row.get("postcode") or None, "la": row.get("la (code)"), "gias_type": f"{code} {type_name}",
    }
    return {k: v for k, v in entry.items() if v not in (None, [], "")}


def select_schools(path: str | Path, la: str, *, type_codes: dict[str, int], border_km: float) -> GiasSelection:
    """Open schools of LA ``la`` and those of other LAs within ``border_km`` of one of them."""
    table = read_table(path)
    table.require(*(c.lower() for c in REQUIRED), what="a GIAS establishment file")
    sel = GiasSelection(schools={}, rows=len(table))
    candidates: list[dict] = []
    for row in table:
        try:
            row.check()
            urn = row.get("urn")
            if not urn.isdigit():
                raise InputError(f"URN must be a number, got {urn!r}")
            status = row.get("establishmentstatus (name)").lower()
            if status not in OPEN_STATUSES:
                sel.left_out[f"not open ({status or 'no status'})"] += 1
                continue
            entry = _entry(row, type_codes)
            if entry.get("type") is None:
                sel.left_out[f"not a school children are carried to ({entry['gias_type']})"] += 1
                continue
            candidates.append({"urn": urn, "row": row.number, **entry})
        except InputError as exc:
            sel.errors.append((row.number, f"URN {row.get('urn') or '?'}: {exc}"))
    own = [c for c in candidates if c["la"] == la]
    if not own:
        raise InputError(f"{table.name}: no open school of LA {la} (check --la: GIAS 'LA (code)', e.g. 857 Rutland)")
    tree = cKDTree(np.array([[c["easting"], c["northing"]] for c in own]))
    for c in candidates:
        if c["la"] == la:
            sel.in_la += 1
        else:
            gap_m, _ = tree.query([c["easting"], c["northing"]])
            if gap_m > border_km * 1000:
                sel.left_out[f"other LA, farther than {border_km:g} km"] += 1
                continue
            sel.across_border += 1
        urn = c.pop("urn")
        c.pop("easting"), c.pop("northing")
        sel.schools[urn] = c
    return sel


def clean(schools: dict[str, dict]) -> dict[str, dict]:
    """The entries as written: without the bookkeeping keys (source row)."""
    return {k: {f: v for f, v in e.items() if f != "row"} for k, e in schools.items()}


def drop_off_network(sel: GiasSelection, la: str, distance_m: Callable[[list[LatLon]], np.ndarray],
                     max_m: float) -> list[str]:
    """Leave out schools farther than ``max_m`` from the prepared network (``distance_m`` measures it).

    A school across the border beyond the extract is left out with its reason; one of the LA's own
    is an error of its row (the extract should cover the county). Returns the URNs dropped.
    """
    urns = list(sel.schools)
    if not urns:
        return []
    far = distance_m([LatLon(sel.schools[u]["lat"], sel.schools[u]["lon"]) for u in urns])
    dropped = []
    for urn, gap in zip(urns, far):
        if gap <= max_m:
            continue
        school = sel.schools.pop(urn)
        dropped.append(urn)
        where = f"{gap / 1000:.1f} km" if gap >= 1000 else f"{gap:.0f} m"
        if school["la"] == la:
            sel.in_la -= 1
            sel.errors.append((school["row"], f"URN {urn}: {where} from the prepared walk network (limit "
                                              f"{max_m:.0f} m): the extract does not cover this school"))
        else:
            sel.across_border -= 1
            sel.left_out[f"other LA, off the prepared network (more than {max_m:.0f} m)"] += 1
    sel.errors.sort()
    return dropped


def merge_council(schools: dict[str, dict], council_yaml: Path | None) -> tuple[dict[str, dict], int, int]:
    """Add the council's bell times and entrances by URN; keep the council's own non-GIAS schools as they are.

    Returns the merged schools, how many GIAS schools got council values, and how many council
    entries were carried over because GIAS does not list them.
    """
    if council_yaml is None:
        return schools, 0, 0
    try:
        doc = yaml.safe_load(Path(council_yaml).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise InputError(f"council schools file {council_yaml} not found") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{Path(council_yaml).name} is not valid YAML ({str(exc).splitlines()[0]})") from None
    council = doc.get("schools") if isinstance(doc, dict) else None
    if not isinstance(council, dict):
        raise InputError(f"{Path(council_yaml).name}: no 'schools:' mapping keyed by URN")
    merged, enriched, carried = dict(schools), 0, 0
    for key, attrs in council.items():
        key = str(key)
        if key in merged:
            extra = {f: attrs[f] for f in COUNCIL_FIELDS if f in attrs}
            if extra:
                merged[key] = {**merged[key], **extra}
                enriched += 1
        else:
            merged[key] = attrs
            carried += 1
    return merged, enriched, carried


def write_schools_yaml(schools: dict[str, dict], out: Path, *, source: Path, la: str, border_km: float,
                       council_yaml: Path | None) -> None:
    """The school-attributes YAML the engine reads, with its provenance in the header."""
    header = (
        "# School attributes written by `sen-transport data schools` on "
        f"{dt.date.today().isoformat()}.\n"
        f"# From: {source.name} (DfE Get Information About Schools), LA {la}, open schools plus those of\n"
        f"# other LAs within {border_km:g} km; bell times and entrances from "
        f"{council_yaml.name if council_yaml else 'no council file (defaults apply)'}.\n"
        "# Contains public sector information licensed under the Open Government Licence v3.0.\n"
    )
    body = yaml.safe_dump({"format": "sen-transport/school-attributes/1", "schools": clean(schools)},
                          sort_keys=False, allow_unicode=True, width=110)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.write_text(header + body, encoding="utf-8")
    tmp.replace(out)
