"""Personal transport budget agreements: what an officer sends and what the API returns (pence, no bank details)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import In, Page, Ref, SaneDate


class PtbAgreementCreate(In):
    """Agree a PTB for an application decided eligible (the amount by the policy's formula unless given)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"application_id": "T-001", "start": "2026-09-01"}]})

    application_id: str = Ref
    start: SaneDate
    end: SaneDate | None = Field(None, description="default: the end of that PTB year (31 July under Kent's policy)")
    annual_pence: int | None = Field(None, ge=0, le=10_000_000,
                                     description="default: the policy's PTB for the decision's distance")
    attendance_days: int = Field(5, ge=1, le=5, description="days a week the child attends (pro rata)")


class PtbChangeCreate(In):
    """A change of circumstances, from ``effective``; the new amount given, or by the formula for a new distance."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "home", "effective": "2026-11-20", "reported": "2027-01-20", "distance_m": 3000},
        {"kind": "attendance", "effective": "2027-01-04", "reported": "2026-12-10", "attendance_days": 3}]})

    kind: Literal["home", "school", "attendance", "leaving", "other"]
    effective: SaneDate
    reported: SaneDate
    annual_pence: int | None = Field(None, ge=0, le=10_000_000)
    distance_m: float | None = Field(None, gt=0, le=500_000,
                                     description="the new distance, measured as the policy's PTB formula says")
    attendance_days: int | None = Field(None, ge=1, le=5)

    @model_validator(mode="after")
    def _amount_given(self) -> "PtbChangeCreate":
        given = [x is not None for x in (self.annual_pence, self.distance_m, self.attendance_days)]
        if self.kind != "leaving" and sum(given) != 1:
            raise ValueError("give exactly one of annual_pence, distance_m or attendance_days")
        return self


class InstalmentPublic(BaseModel):
    """One payment of the schedule."""

    due: dt.date
    period_start: dt.date
    period_end: dt.date
    amount_pence: int
    workings: str


class TermsPublic(BaseModel):
    """An annual amount in force from a date."""

    effective: dt.date
    annual_pence: int
    deduction_pence: int
    reason: str


class PtbChangePublic(BaseModel):
    """A recorded change and what it did to the payments."""

    id: int
    kind: str
    effective: dt.date
    reported: dt.date
    annual_pence: int
    end: dt.date | None
    difference_pence: int = Field(description="paid minus owed so far: positive is an overpayment")
    to_repay_pence: int
    workings: str


class PtbAgreementPublic(BaseModel):
    """An agreement with its payment schedule and changes."""

    id: int
    reference: str
    application_id: str
    policy_version: str
    start: dt.date
    end: dt.date
    terms: list[TermsPublic]
    schedule: list[InstalmentPublic]
    changes: list[PtbChangePublic]


PtbAgreementsPublic = Page[PtbAgreementPublic]


class PtbChangeResult(BaseModel):
    """The agreement after a change, and the recalculation."""

    agreement: PtbAgreementPublic
    change: PtbChangePublic
    remaining: list[InstalmentPublic]
