"""The same sub-problems on a Dask cluster (a LocalCluster here) give a valid plan."""

import pytest

distributed = pytest.importorskip("distributed")


def test_dask_local_cluster_plan_is_valid(scenario30, county30, drive_net):
    """plan_county with a scheduler address runs on Dask and validates."""
    from transport.planning.county import plan_county

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        doc = plan_county(scenario30, time_limit_s=3, max_requests=10, county=county30, network=drive_net,
                          scheduler=cluster.scheduler_address)
    assert doc.plan.meta["executor"] == "dask"
    assert doc.plan.meta["methods"]["ortools"] + doc.plan.meta["methods"]["greedy"] == doc.plan.meta["subproblems"]
    assert doc.violations == []
    assert len(doc.plan.routed_request_ids()) + len(doc.plan.unassigned) == len(scenario30.children)


def test_run_tasks_on_dask_keeps_task_order():
    """Results come back in task order from the cluster."""
    from routing.parallel import run_tasks

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        out = run_tasks(abs, [-3, 1, -2], scheduler=cluster.scheduler_address)
    assert out == [3, 1, 2]
