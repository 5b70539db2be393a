"""The cohort import's columns, described for the import page, and a template to fill in (CSV and .xlsx).

One table serves the page's column list and the template's header, so the two cannot disagree; the
columns are those ``POST /v1/applications/import`` reads (``eligibility.service.application_from_row``
and the journey needs). The template's example row is synthetic.
"""

from __future__ import annotations

from typing import NamedTuple

from transport.documents.sheets import Column, Sheet, to_csv, to_xlsx


class ImportColumn(NamedTuple):
    """One column of the import: its header, whether it must be filled, what it means, and an example."""

    name: str
    required: str
    meaning: str
    example: str


IMPORT_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("application_id", "yes", "your reference, 1 to 64 letters, digits, dots and dashes", "KCC-2025-00018"),
    ImportColumn("first_name", "no", "what the driver and passenger assistant call the child", "Sam"),
    ImportColumn("date_of_birth", "yes", "YYYY-MM-DD", "2016-01-20"),
    ImportColumn("sex", "no", "F, M or U (U if left empty)", "M"),
    ImportColumn("home_postcode", "one of the home columns", "a UK postcode (placed at its centroid)", "LE15 6SG"),
    ImportColumn("home_uprn", "one of the home columns", "the home's UPRN (placed at its address point)", ""),
    ImportColumn("home_lat", "one of the home columns", "latitude, WGS84 degrees (with home_lon)", ""),
    ImportColumn("home_lon", "one of the home columns", "longitude, WGS84 degrees (with home_lat)", ""),
    ImportColumn("home_easting", "one of the home columns", "British National Grid metres (with home_northing)", ""),
    ImportColumn("home_northing", "one of the home columns", "British National Grid metres (with home_easting)", ""),
    ImportColumn("school_urn", "yes", "the school attended or applied for: DfE URN or project id", "131018"),
    ImportColumn("travel_date", "yes", "YYYY-MM-DD: the date travel starts", "2025-09-03"),
    ImportColumn("ehc_plan", "no", "yes or no: has an EHC plan", "yes"),
    ImportColumn("ehc_named_school", "no", "the school named in the EHC plan (URN)", "131018"),
    ImportColumn("ehc_transport_condition", "no", "yes or no: named on condition that parents arrange transport", "no"),
    ImportColumn("sen_mobility", "no", "yes or no: cannot reasonably walk, even accompanied, because of SEN, disability or mobility", "yes"),
    ImportColumn("sen_evidence", "no", "the evidence relied on", "EHC plan section F"),
    ImportColumn("temporary_condition_until", "no", "YYYY-MM-DD: last day of a temporary medical condition", ""),
    ImportColumn("low_income", "no", "yes or no: free school meals or maximum Working Tax Credit", "no"),
    ImportColumn("religious_preference", "no", "for example Church of England, Roman Catholic", ""),
    ImportColumn("no_place_at", "no", "schools (URNs separated by ;) that would not have offered a place", ""),
    ImportColumn("wheelchair", "no", "yes or no: travels in their wheelchair", "no"),
    ImportColumn("passenger_assistant", "no", "yes or no: needs a passenger assistant", "yes"),
    ImportColumn("travel_alone", "no", "yes or no: must be the only child on board", "no"),
    ImportColumn("max_ride_time_min", "no", "longest ride in minutes, if shorter than the policy's", ""),
    ImportColumn("equipment", "no", "equipment carried (separated by ;), for example booster seat", ""),
    ImportColumn("access_notes", "no", "how to reach the door, for example side gate", ""),
    ImportColumn("can_use_public_transport", "no", "yes or no: could travel on public transport with a pass", "no"),
    ImportColumn("travel_training_candidate", "no", "yes or no: could learn the journey (independent travel training)", "no"),
)


def template_sheet() -> Sheet:
    """The template: every column as text (so nothing typed is ever read as a formula) and one example row."""
    return Sheet("applications", tuple(Column(c.name, "text", max(14, len(c.name) + 2)) for c in IMPORT_COLUMNS),
                 [tuple(c.example or None for c in IMPORT_COLUMNS)])


def template_csv() -> bytes:
    """The template as UTF-8 CSV (with a byte-order mark, so Excel reads it as UTF-8)."""
    return to_csv(template_sheet())


def template_xlsx() -> bytes:
    """The template as an Excel workbook."""
    return to_xlsx([template_sheet()])
