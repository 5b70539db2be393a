"""The test suite; a package so that tests/api and tests/eligibility do not shadow the api and eligibility packages."""
