"""Home-to-school transport eligibility: statutory guidance and council policy as data."""
