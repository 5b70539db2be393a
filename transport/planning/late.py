"""Late applications: add children to a running plan document, changing as little as possible.

``insert_late_children(doc, children)`` extends the plan's county problem with the new homes
(only the new rows and columns of the matrices are computed when the county problem is given)
and puts each child in by cheapest feasible insertion (``routing.insertion.insert_requests``);
the new document is validated. The September rerun is ``transport.planning.rerun``.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np

from routing.insertion import InsertResult, insert_requests
from routing.matrix import matrix_of_snaps
from routing.network import load_network
from transport.domain.errors import InputError
from transport.domain.scenario import parse_scenario
from transport.planning.county import build_county
from transport.planning.plan import (
    BuiltProblem,
    PlanDocument,
    build_problem,
    scenario_locations,
    validate_document,
)


def extended_county(doc: Any, scenario: Any, county: Any, network: Any) -> Any:
    """The county problem for ``scenario`` (the plan's scenario plus late children).

    With ``county`` (the ``BuiltProblem`` the plan was made on) only the rows and columns of
    new locations are computed; otherwise the county matrices are built afresh.
    """
    locs = scenario_locations(scenario)
    old = tuple(doc.locations)
    if locs[:len(old)] != old:
        raise InputError("the late children change the plan's location list (a new school or depot?); "
                         "plan the scenario afresh instead")
    if county is None:
        return build_county(scenario, network=network)[0]
    started = time.perf_counter()
    n_old, n = len(old), len(locs)
    if n == n_old:
        built = build_problem(scenario, matrices=(county.problem.duration_s, county.problem.distance_m))
        return BuiltProblem(built.problem, built.locations, time.perf_counter() - started)
    net = network or load_network("drive")
    snaps = net.snap_many([loc.point for loc in locs], labels=[f"{loc.kind} {loc.id}" for loc in locs])
    rows = matrix_of_snaps(net, snaps[n_old:], snaps)
    cols = matrix_of_snaps(net, snaps[:n_old], snaps[n_old:])  # one reversed search per new home
    if not (np.isfinite(rows.duration_s).all() and np.isfinite(cols.duration_s).all()):
        raise InputError("a late child's home cannot be reached by road on the loaded network")
    out = []
    for old_m, r, c in ((county.problem.duration_s, rows.duration_s, cols.duration_s),
                        (county.problem.distance_m, rows.distance_m, cols.distance_m)):
        m = np.empty((n, n), dtype=np.int64)  # every cell written below
        m[:n_old, :n_old] = old_m
        m[n_old:, :] = np.rint(r)
        m[:n_old, n_old:] = np.rint(c)
        np.fill_diagonal(m, 0)
        m.setflags(write=False)  # handed to the problem as is, not copied again
        out.append(m)
    built = build_problem(scenario, matrices=(out[0], out[1]))
    return BuiltProblem(built.problem, built.locations, time.perf_counter() - started)


def insert_late_children(doc: Any, children: Sequence[Any], *, county: Any = None,
                         network: Any = None) -> tuple[Any, InsertResult, Any]:
    """Add late applications to a plan document: ``(new document, what changed, county problem)``."""
    known = {c.id for c in doc.scenario.children}
    again = sorted(c.id for c in children if c.id in known)
    if again:
        raise InputError(f"late children already in the plan's scenario: {again[:5]}")
    schools = {s.id for s in doc.scenario.schools}
    for c in children:
        if c.school_id not in schools:
            raise InputError(f"late child {c.id}: school {c.school_id!r} is not in the plan's scenario; "
                             "plan the scenario afresh with that school")
    data = doc.scenario.model_dump(mode="json")
    data["children"] = data["children"] + [c.model_dump(mode="json") for c in children]
    scenario = parse_scenario(data, source="scenario with late children")
    built = extended_county(doc, scenario, county, network)
    result = insert_requests(built.problem, doc.plan, [c.id for c in children])
    new_doc = PlanDocument(scenario=scenario, plan=result.plan, locations=built.locations,
                           timings={"matrix_s": round(built.matrix_s, 3), "insert_s": result.seconds})
    new_doc.violations = validate_document(scenario, new_doc, built=built)
    return new_doc, result, built
