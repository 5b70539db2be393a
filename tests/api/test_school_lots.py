"""Packaging a plan's routes 'by school': one lot per school, each route in the lot of the busiest school it
serves, named after that school (not one lot per combination of schools, named by listing them); a school with
very many routes is split by area into lots no bigger than the cap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from api.services.planning import procurement, school_lots

NAMES = {"A": "Catmose College", "B": "Uppingham Community College", "C": "Oakham C of E Primary",
         "D": "English Martyrs"}


def test_a_route_to_several_schools_joins_its_busiest_schools_lot():
    """Routes serving A and B go to A's lot when A is served by more routes; the name counts the shared ones."""
    routes = [(1, ["A"], "SK80"), (2, ["A"], "SK80"), (3, ["A", "B"], "SK80"), (4, ["B"], "SK90"),
              (5, ["B", "C"], "SK90"), (6, ["A", "C", "D"], "SK80"), (7, ["D"], "SK91")]
    lots = school_lots(routes, NAMES, max_routes=10)
    assert lots == {("A", "Catmose College (4 routes, 2 also serve other schools)"): [1, 2, 3, 6],
                    ("B", "Uppingham Community College (2 routes, 1 also serves another school)"): [4, 5],
                    ("D", "English Martyrs (1 route)"): [7]}


def test_a_school_with_many_routes_is_split_by_area_under_the_cap():
    """Twelve routes to one school with a cap of 4: by 10 km square, and a square of 6 routes in two parts."""
    routes = [(i, ["A"], "SK80/SK90" if i <= 6 else ("SK81" if i <= 9 else "TF00")) for i in range(1, 13)]
    lots = school_lots(routes, NAMES, max_routes=4)
    assert lots == {("A/SK80/1", "Catmose College, homes in SK80 part 1 of 2 (4 routes)"): [1, 2, 3, 4],
                    ("A/SK80/2", "Catmose College, homes in SK80 part 2 of 2 (2 routes)"): [5, 6],
                    ("A/SK81", "Catmose College, homes in SK81 (3 routes)"): [7, 8, 9],
                    ("A/TF00", "Catmose College, homes in TF00 (3 routes)"): [10, 11, 12]}


@given(st.lists(st.tuples(st.sets(st.sampled_from("ABCD"), min_size=1, max_size=3),
                          st.sampled_from(["SK80", "SK90/SK80", "-", "TF00"])), max_size=60),
       st.integers(min_value=1, max_value=12))
def test_every_route_is_in_exactly_one_lot_of_a_school_it_serves(spec, cap):
    """Property: each route in exactly one lot, no lot over the cap, each lot named after one school it serves."""
    routes = [(i, sorted(schools), area) for i, (schools, area) in enumerate(spec, start=1)]
    lots = school_lots(routes, NAMES, max_routes=cap)
    packed = sorted(r for ids in lots.values() for r in ids)
    assert packed == [r for r, _, _ in routes]
    served = {r: schools for r, schools, _ in routes}
    for (key, name), ids in lots.items():
        school = key.split("/")[0]
        assert 1 <= len(ids) <= cap and name.startswith(NAMES[school]) and " and " not in name
        assert all(school in served[r] for r in ids)


def test_a_school_without_a_name_is_named_by_its_id_and_the_cap_is_configured():
    """An unnamed school keeps its id; the council's cap comes from procurement_lots.yaml."""
    assert school_lots([(1, ["X"], "-")], {}, max_routes=3) == {("X", "X (1 route)"): [1]}
    assert procurement()["max_routes_per_school_lot"] >= 2
