"""Forecast: demand per sku x region and plan period, with intervals (orchestrator in `core`).

Kept free of imports so that `planner.forecast.options` can be read without loading statsmodels.
"""
