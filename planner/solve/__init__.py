"""Solve: run HiGHS or CBC on the built model and return a typed SolveResult (front in `solver`)."""
