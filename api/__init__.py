"""FastAPI service for eligibility officers, route planners and contractors."""
