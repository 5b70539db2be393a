"""The eligibility service: applications in, decisions (and per-row errors) out.

``Assessor`` holds a policy, the networks, the schools and the unsafe segments, and measures
once per cohort. ``assess_many`` accounts for every row: rows = decisions + errors, always.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

from eligibility.measure import Measurer
from eligibility.policy import Policy, load_policy
from eligibility.rules import AssessmentFacts, Decision, decide
from eligibility.unsafe import UnsafeSegment, map_to_network, read_unsafe_segments
from routing.network import load_network
from transport.domain.addresses import normalise_uprn
from transport.domain.config import get_settings
from transport.domain.errors import InputError
from transport.domain.geo import LatLon
from transport.domain.geocode import PostcodeIndex
from transport.domain.models import Application, ChildNeeds, Home, School
from transport.domain.schools import load_schools
from transport.io import cells
from transport.io.tabular import read_table

_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = False


@contextmanager
def batch_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch builds its decisions.

    A cohort's decisions are tens of pydantic records each, all kept, and none in a reference
    cycle: CPython's collector would re-scan the growing heap again and again (a third of the
    time of 20,000 decisions) and free nothing. Reference counting still frees everything
    else at once. Nested and concurrent batches share one pause; the collector is restored as
    it was when the last one ends. Then, unless something froze objects on purpose (the API
    freezes its loaded networks), what the batch allocated is moved to the oldest generation
    (``gc.freeze`` then ``gc.unfreeze``) rather than left young: the first young collection after
    the pause would otherwise walk every one of those objects at once (0.5 s after 20,000
    decisions) to free nothing; a later full collection still frees any cycle among them.
    """
    global _gc_holders, _gc_was_enabled
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                if gc.get_freeze_count() == 0:
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()


class RowError(BaseModel):
    """Why one input row could not be decided."""

    row: int
    """The row as the spreadsheet shows it (the header is row 1); for JSON, the 1-based item."""
    application_id: str | None
    reason: str


class Assessor:
    """Decides applications under one policy on loaded networks."""

    chunk = 2_000
    """Applications measured together by ``assess_many``: large enough for the array work, small
    enough that a cohort's facts are not all held at once."""

    def __init__(self, policy: Policy, walk, schools: dict[str, School], *, drive=None,
                 unsafe: Sequence[UnsafeSegment] = (), postcodes=None, tree_schools: int | None = None,
                 workers: int | None = None):
        segments = [s if s.edges else map_to_network([s], walk)[0] for s in unsafe]
        self.policy = policy
        self.workers = workers if workers is not None else get_settings().eligibility_workers
        """Processes ``assess_many`` spreads a batch over (each a share of at least ``chunk``); the
        others are forked, so they share the loaded networks and send back only their decisions."""
        self.measurer = Measurer(policy, schools, walk, drive=drive, segments=segments, postcodes=postcodes,
                                 tree_schools=tree_schools)

    @classmethod
    def from_settings(cls, policy: str | Path = "kent", *, unsafe_path: str | Path | None = None) -> Assessor:
        """Load the configured networks, schools, postcodes and assessed unsafe segments (``unsafe_path``, or
        else the ``unsafe_segments`` setting, SEN_TRANSPORT_UNSAFE_SEGMENTS; see ``transport.domain.config``)."""
        pol = load_policy(policy)
        walk = load_network("walk")
        needs_road = "road" in (pol.settings.nearest_measure, pol.settings.extended_rights_measure,
                                (pol.ptb.banded or pol.ptb.per_mile).measure)  # type: ignore[union-attr]
        drive = load_network("drive") if needs_road else None
        unsafe_path = unsafe_path or get_settings().unsafe_segments
        segments = read_unsafe_segments(unsafe_path) if unsafe_path else []
        return cls(pol, walk, load_schools(), drive=drive, unsafe=segments, postcodes=PostcodeIndex.load())

    @property
    def segments(self) -> list[UnsafeSegment]:
        """The unsafe segments in force, mapped to walk edges."""
        return self.measurer.segments

    def facts(self, app: Application, *, no_place_at: frozenset[str] = frozenset()) -> AssessmentFacts:
        """The measured facts of one application."""
        return self.measurer.facts(app, no_place_at=no_place_at)

    def assess(self, app: Application, *, no_place_at: frozenset[str] = frozenset()) -> Decision:
        """Decide one application (raises InputError when it cannot be decided)."""
        facts = self.facts(app, no_place_at=no_place_at)
        return self.measurer.with_nearer_route(facts, decide(facts, self.policy))

    def assess_many(self, apps: Sequence[Application | InputError], *,
                    no_place_at: Sequence[frozenset[str]] | None = None,
                    rows: Sequence[int] | None = None) -> tuple[list[Decision], list[RowError]]:
        """Decide every application; rows that cannot be decided come back as errors with their row number.

        ``apps`` may hold InputErrors from parsing: they are reported at their row. ``rows`` are
        the row numbers of ``apps`` in the file (default: 1, 2, ...).
        """
        number = list(rows) if rows is not None else [i + 1 for i in range(len(apps))]
        decisions: list[Decision] = []
        errors: list[RowError] = []
        good = [(i, a) for i, a in enumerate(apps) if isinstance(a, Application)]
        for i, a in enumerate(apps):
            if not isinstance(a, Application):
                errors.append(RowError(row=number[i], application_id=getattr(a, "application_id", None), reason=str(a)))
        with batch_allocation():
            self._decide_chunks(good, no_place_at, number, decisions, errors)
        errors.sort(key=lambda e: e.row)
        return decisions, errors

    def _decide_chunks(self, good, no_place_at, number, decisions: list[Decision], errors: list[RowError]) -> None:
        """Decide ``good`` in chunks of applications to schools near each other (so that a chunk wants
        the trees of few schools, each built once), then put the decisions back in input order. With
        ``workers`` > 1 the chunks are shared out, in runs of neighbouring schools, over forked processes."""
        global _FORKED
        order = sorted(good, key=lambda ia: self.measurer.area_of(ia[1].school_id))
        decided_at: list[tuple[int, Decision]] = []
        workers = min(self.workers, len(order) // self.chunk)
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            size = -(-len(order) // workers)
            shares = [order[lo:lo + size] for lo in range(0, len(order), size)]
            _FORKED = (self, shares, no_place_at, number)
            try:
                with ProcessPoolExecutor(len(shares) - 1, mp_context=multiprocessing.get_context("fork")) as pool:
                    others = [pool.submit(_decide_share, n) for n in range(1, len(shares))]
                    self._decide_order(shares[0], no_place_at, number, decided_at, errors)
                    for got in others:
                        share_decided, share_errors = got.result()
                        decided_at.extend(share_decided)
                        errors.extend(share_errors)
            finally:
                _FORKED = None
        else:
            self._decide_order(order, no_place_at, number, decided_at, errors)
        decided_at.sort(key=lambda pair: pair[0])
        decisions.extend(d for _, d in decided_at)

    def _decide_order(self, order, no_place_at, number, decided_at: list[tuple[int, Decision]],
                      errors: list[RowError]) -> None:
        with self.measurer.batch():   # chunks share the walks drawn and schools measured from the same points
            self._decide_chunks_in_order(order, no_place_at, number, decided_at, errors)

    def _decide_chunks_in_order(self, order, no_place_at, number, decided_at: list[tuple[int, Decision]],
                                errors: list[RowError]) -> None:
        for lo in range(0, len(order), self.chunk):
            part = order[lo:lo + self.chunk]   # measured together; the facts are dropped once decided
            places = [no_place_at[i] for i, _ in part] if no_place_at is not None else None
            results = self.measurer.facts_many([a for _, a in part], no_place_at=places)
            decided, at = [], []
            for (i, app), res in zip(part, results):
                if isinstance(res, Exception):
                    errors.append(RowError(row=number[i], application_id=app.id, reason=str(res)))
                    continue
                try:
                    decided.append((res, decide(res, self.policy)))
                    at.append(i)
                except InputError as exc:
                    errors.append(RowError(row=number[i], application_id=app.id, reason=str(exc)))
            decided_at.extend(zip(at, self.measurer.with_nearer_routes(decided)))


_FORKED: tuple | None = None
"""(assessor, shares, no_place_at, row numbers) of the batch being shared out: forked workers inherit it."""


def _decide_share(n: int) -> tuple[list[tuple[int, Decision]], list[RowError]]:
    """In a forked worker: decide share ``n`` of the batch."""
    assert _FORKED is not None
    assessor, shares, no_place_at, number = _FORKED
    decided_at: list[tuple[int, Decision]] = []
    errors: list[RowError] = []
    with batch_allocation():
        assessor._decide_order(shares[n], no_place_at, number, decided_at, errors)
    return decided_at, errors


# -------------------------------------------------------------------------------------------------
# reading applications (CSV or JSON); columns are documented in docs/eligibility-input.md
# -------------------------------------------------------------------------------------------------
COLUMNS = ("application_id", "date_of_birth", "sex", "home_postcode", "home_uprn", "home_lat", "home_lon",
           "home_easting", "home_northing", "school_urn", "ehc_plan", "ehc_named_school", "ehc_transport_condition",
           "sen_mobility", "sen_evidence", "temporary_condition_until", "low_income", "religious_preference",
           "travel_date", "no_place_at")


class ApplicationRowError(InputError):
    """A row that cannot be read as an application."""

    def __init__(self, message: str, application_id: str | None = None):
        super().__init__(message)
        self.application_id = application_id


def _needs(row: dict) -> ChildNeeds:
    """Journey needs from the optional TIF columns (absent columns mean no such need)."""
    return ChildNeeds(
        wheelchair=cells.flag(row, "wheelchair"), passenger_assistant=cells.flag(row, "passenger_assistant"),
        travel_alone=cells.flag(row, "travel_alone"), max_ride_time_min=cells.whole(row, "max_ride_time_min"),
        not_with=cells.items(row, "not_with"), load_time_s=cells.whole(row, "load_time_s"),
        equipment=cells.items(row, "equipment"), access_notes=cells.text(row, "access_notes"),
        can_use_public_transport=cells.flag(row, "can_use_public_transport"),
        travel_training_candidate=cells.flag(row, "travel_training_candidate"),
    )


def application_from_row(row: dict[str, Any]) -> tuple[Application, frozenset[str]]:
    """One application (and the schools that would not have offered a place) from a flat row."""
    row = {str(k).strip().lower(): ("" if v is None else v) for k, v in row.items()}
    app_id = str(row.get("application_id") or "").strip() or None
    try:
        lat, lon = cells.number(row, "home_lat"), cells.number(row, "home_lon")
        east, north = cells.number(row, "home_easting"), cells.number(row, "home_northing")
        postcode = str(row.get("home_postcode") or "").strip() or None
        uprn = str(normalise_uprn(row["home_uprn"])) if str(row.get("home_uprn") or "").strip() else None
        location = LatLon(lat, lon) if lat is not None and lon is not None else None
        home = Home(postcode=postcode, location=location, easting=east, northing=north, uprn=uprn)
        travel = cells.date(row, "travel_date", required=True)
        sex = str(row.get("sex") or "U").strip().upper()[:1] or "U"
        app = Application(
            id=app_id or "", date_of_birth=cells.date(row, "date_of_birth", required=True), sex=sex, home=home,
            school_id=str(row.get("school_urn") or "").strip(), travel_date=travel,
            ehc_plan=cells.flag(row, "ehc_plan"),
            ehc_named_school_id=str(row.get("ehc_named_school") or "").strip() or None,
            ehc_transport_condition=cells.flag(row, "ehc_transport_condition"),
            sen_mobility=cells.flag(row, "sen_mobility"), sen_evidence=str(row.get("sen_evidence") or "").strip(),
            temporary_condition_until=cells.date(row, "temporary_condition_until"),
            low_income=cells.flag(row, "low_income"),
            religious_preference=str(row.get("religious_preference") or "").strip() or None,
            first_name=str(row.get("first_name") or "").strip(),
            sibling_group=str(row.get("sibling_group") or "").strip() or None,
            needs=_needs(row),
        )
        if not app.school_id:
            raise ValueError("school_urn is required")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ApplicationRowError(f"application {app_id or '?'}: {where + ': ' if where else ''}{msg}", app_id) from None
    except ValueError as exc:
        raise ApplicationRowError(f"application {app_id or '?'}: {exc}", app_id) from None
    places = frozenset(p.strip() for p in str(row.get("no_place_at") or "").replace(";", ",").split(",") if p.strip())
    return app, places


class ApplicationRows(NamedTuple):
    """Applications (or the error of each unreadable row), their no-place-at schools and row numbers."""

    apps: list[Application | ApplicationRowError]
    places: list[frozenset[str]]
    rows: list[int]


def read_application_rows(path: str | Path) -> ApplicationRows:
    """Rows of a CSV, .xlsx or JSON file (one object or a list) as applications or row errors.

    Row numbers are those the spreadsheet shows (header row 1); for JSON, the 1-based item.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"input file {path} not found")
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = f", line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise InputError(f"{path.name}: not valid JSON ({getattr(exc, 'msg', exc.reason)}{where})") from None
        rows = [doc] if isinstance(doc, dict) else doc
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError(f"{path.name}: expected an application object or a list of them")
        numbered: list[tuple[int, dict, str | None]] = [(i, r, None) for i, r in enumerate(rows, start=1)]
    elif suffix in (".csv", ".xlsx", ".txt"):
        table = read_table(path)
        table.require("application_id", what="an applications table")
        numbered = [(r.number, r.cells, r.problem) for r in table]
    else:
        raise InputError(f"{path.name}: input must be .csv, .xlsx or .json")
    out = ApplicationRows([], [], [])
    for number, row, problem in numbered:
        try:
            if problem:
                raise ApplicationRowError(problem, str(row.get("application_id") or "").strip() or None)
            app, p = application_from_row(row)
            out.apps.append(app)
            out.places.append(p)
        except ApplicationRowError as exc:
            out.apps.append(exc)
            out.places.append(frozenset())
        out.rows.append(number)
    return out


def read_applications(path: str | Path) -> tuple[list[Application | ApplicationRowError], list[frozenset[str]]]:
    """Rows of a CSV, .xlsx or JSON file as applications or row errors, with their no-place-at schools."""
    rows = read_application_rows(path)
    return rows.apps, rows.places
