"""Home page and dashboards."""
