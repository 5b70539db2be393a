"""Web pages served by the service: plan map (planner), decision screen (officer), lot view (contractor)."""
