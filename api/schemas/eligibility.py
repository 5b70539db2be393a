"""Decisions, overrides and cohort runs (router ``api/routes/eligibility.py``).

``DecisionChange`` is a change between two stored decisions, not the planning layer's ``Change``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import IdItem, In, Page, Reason
from eligibility.rules import Decision

DecisionKind = Literal["assessment", "reassessment", "override", "review", "appeal"]


class DecisionPublic(BaseModel):
    """One decision in an application's history, with the full explanation and the policy version."""

    id: int
    application_id: str
    kind: DecisionKind
    eligible: bool
    refusal: str | None
    policy_id: str
    policy_version: str
    explanation: str
    reason: str | None = Field(None, description="the officer's reason (overrides, reviews, appeals)")
    supersedes_id: int | None
    created_at: dt.datetime
    created_by: str = Field(description="key id of who made it")
    document: Decision | None = Field(None, description="the engine's full decision (assessments)")


class DecisionsPublic(Page[DecisionPublic]):
    """An application's decision history, oldest first."""


class OverrideCreate(In):
    """An officer's override of the current decision; the reason is mandatory."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "eligible": True, "reason": "Exceptional circumstances: parent's disability prevents accompanying (evidence on file)"}]})

    eligible: bool
    reason: str = Reason


class CohortAssess(In):
    """Assess (and store) a cohort: the undecided applications, or all of them after a policy change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scope": "all", "policy": "kent"}]})

    scope: Literal["undecided", "all"] = "undecided"
    policy: str | None = Field(None, max_length=64, description="policy name; default: the policy in force")
    application_ids: list[IdItem] | None = Field(None, max_length=10_000)


class DecisionChange(BaseModel):
    """A decision that changed on re-assessment."""

    application_id: str
    before_eligible: bool | None
    after_eligible: bool
    before_refusal: str | None
    after_refusal: str | None
    before_policy_version: str | None
    after_policy_version: str


class Skipped(BaseModel):
    """An application left out of a run, and why."""

    application_id: str
    reason: str


class CohortReport(BaseModel):
    """What a cohort run did: counts, what changed, what was skipped or could not be decided."""

    policy_id: str
    policy_version: str
    assessed: int
    unchanged: int
    changed: list[DecisionChange]
    skipped: list[Skipped]
    errors: list[Skipped]
