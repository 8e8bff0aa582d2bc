"""Replenishment and allocation planner: one LP decides purchases, stock distribution and order promising."""

__version__ = "0.1.0"
