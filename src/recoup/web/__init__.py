"""The collections team's web app: server-rendered pages (Jinja2 + HTMX)."""
