"""Report: KPIs and their schema, gates, and the output files (CSV, xlsx, HTML)."""
