"""Rolling-horizon replay of the planner against the stock rules planners use today."""

from planner.simulate.replay import ReplayError
from planner.simulate.run import POLICIES, Simulation, simulate

__all__ = ["POLICIES", "ReplayError", "Simulation", "simulate"]
