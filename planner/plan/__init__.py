"""The plan: demand to serve, the solved model read back, order promising, explanations, plan diff."""
