"""Readiness: a cohort with a child in every state, counts by state and school, the count-down replayed
from the dates things happened, and the reasons of those not ready."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from transport.documents.readiness import STATES, ChildFacts, readiness, state_at

UTC = dt.UTC


def at(day: int) -> dt.datetime:
    """Noon on the given day of August 2026."""
    return dt.datetime(2026, 8, day, 12, tzinfo=UTC)


def cohort() -> list[ChildFacts]:
    """One child per state (and one refused, counted only while awaiting its decision), through August."""
    base = {"school_id": "131018", "school_name": "The Shires", "applied_at": at(1)}
    seat = dict(base, decided_at=at(3), eligible=True, offer_kind="seat")
    return [
        ChildFacts("A-READY", **seat, planned_at=at(5), plan_id=7, route_ref="R001", awarded_at=at(10),
                   operator="Acme Taxis", letter_sent_at=at(12)),
        ChildFacts("A-NOLETTER", **seat, planned_at=at(5), plan_id=7, route_ref="R002", awarded_at=at(10),
                   operator="Acme Taxis"),
        ChildFacts("A-PLANNED", **seat, planned_at=at(5), plan_id=7, route_ref="R003"),
        ChildFacts("A-PASS", **dict(base, decided_at=at(3), eligible=True, offer_kind="pass")),
        ChildFacts("A-UNPLANNED", **dict(seat, school_id="136629", school_name="Uppingham Community College"),
                   planned_at=at(5), plan_id=7, unassigned_reason="fleet_exhausted"),
        ChildFacts("A-WAITING", **dict(base, applied_at=at(8))),
        ChildFacts("A-REFUSED", **dict(base, decided_at=at(3), eligible=False)),
    ]


def test_every_state_counted_once_by_state_and_school():
    """Six children in six states; the refused child is in none; schools add up."""
    view = readiness(cohort(), dt.date(2026, 9, 3), today=dt.date(2026, 8, 20))
    assert view["states"] == {s: 1 for s in STATES}
    assert view["total"] == 6 and view["ready"] == 1 and view["days_to_go"] == 14
    by_school = {r["school_id"]: r for r in view["by_school"]}
    assert by_school["131018"]["total"] == 5 and by_school["136629"]["eligible_not_planned"] == 1
    reasons = {r["reference"]: r["reason"] for r in view["not_ready"]}
    assert set(reasons) == {"A-NOLETTER", "A-PLANNED", "A-PASS", "A-UNPLANNED", "A-WAITING"}
    assert reasons["A-UNPLANNED"] == "left unassigned by plan 7: fleet_exhausted"
    assert reasons["A-PLANNED"] == "route R003 of plan 7 is not awarded to an operator yet"
    assert "Acme Taxis" in reasons["A-NOLETTER"]
    assert view["not_ready"][0]["state"] == "awaiting_decision"  # least ready first


def test_an_agreed_ptb_makes_a_child_ready_from_that_day():
    """A family that agrees a personal transport budget (even instead of a seat) is ready from the agreement."""
    seat = ChildFacts("A-PTB", "131018", "The Shires", applied_at=at(1), decided_at=at(3), eligible=True,
                      offer_kind="seat", offer_taken_up_at=at(9))
    ptb = dataclasses.replace(seat, reference="A-PTB2", offer_kind="ptb", offer_taken_up_at=None)
    assert state_at(seat, at(8)) == "eligible_not_planned" and state_at(seat, at(10)) == "ready"
    assert state_at(ptb, at(10)) == "offer_awaiting_family"


def test_countdown_replays_history_and_leaves_the_future_blank():
    """Days up to today count from what was known that day; later days have no counts yet."""
    view = readiness(cohort(), dt.date(2026, 9, 3), today=dt.date(2026, 8, 20), history_days=20)
    days = {row["date"]: row for row in view["countdown"]}
    assert days[dt.date(2026, 8, 2)]["not_ready"] == 6 and days[dt.date(2026, 8, 2)]["ready"] == 0
    assert days[dt.date(2026, 8, 11)]["ready"] == 0 and days[dt.date(2026, 8, 12)]["ready"] == 1
    assert days[dt.date(2026, 8, 7)]["not_ready"] == 5 and days[dt.date(2026, 8, 8)]["not_ready"] == 6  # refused drops out; the late one counts from its day
    assert days[dt.date(2026, 9, 3)] == {"date": dt.date(2026, 9, 3), "days_to_go": 0, "ready": None, "not_ready": None}
    assert [r["days_to_go"] for r in view["countdown"]] == list(range(34, -1, -1))  # from 31 July


moments = st.one_of(st.none(), st.integers(1, 28).map(at))


@given(decided=moments, planned=moments, awarded=moments, sent=moments, eligible=st.booleans(),
       offer=st.sampled_from(["seat", "pass", "ptb"]), routed=st.booleans(), day=st.integers(1, 28))
def test_state_is_one_of_the_six_or_none_and_never_goes_backwards(decided, planned, awarded, sent, eligible, offer,
                                                                   routed, day):
    """At any moment a child is in one known state (or none if refused); later never means less ready."""
    f = ChildFacts("X", "1", "S", applied_at=at(1), decided_at=decided, eligible=eligible if decided else None,
                   offer_kind=offer if eligible else None, planned_at=planned, plan_id=1 if planned else None,
                   route_ref="R001" if routed and planned else None, awarded_at=awarded, letter_sent_at=sent)
    now, later = state_at(f, at(day)), state_at(f, at(28))
    assert now is None or now in STATES
    if now is not None and later is not None:
        assert STATES.index(later) <= STATES.index(now)
