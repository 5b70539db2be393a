"""Planning operations above the routing core: plan a scenario, a county, late insertion,
reruns, plan comparison, synthetic cohorts and the demo."""
