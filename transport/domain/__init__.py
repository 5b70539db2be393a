"""The domain: models, settings, errors, units, geography, schools and the scenario format.

Everything may import it; it imports nothing else of ours."""
