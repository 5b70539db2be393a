"""What goes out to families, schools and operators: letters, lists and route packs as PDFs,
spreadsheets, and the September readiness view.

Layer: above planning and eligibility, below the API and the CLI. Documents are rendered from
HTML + CSS with WeasyPrint (``pip install -e ".[documents]"``; Pango from the system) and
maps are SVG drawn from the route geometry and the extract's own roads.
"""
