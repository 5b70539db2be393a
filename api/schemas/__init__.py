"""Request and response schemas, one module per router (``Create``/``In`` in, ``Public`` out).

- ``common``: the strict input base ``In``, ``Message`` (error body) and ``Page`` (the one list envelope: ``data``, ``count``);
- ``applications``, ``eligibility``, ``cases``, ``admin``, ``health``, ``schools``, ``planning``: one per router
  in ``api/routes/``.

Import from the router's module (``from api.schemas.planning import PlanPublic``).
"""
