"""Build: the planning LP/MILP from the dataset, demand and calendar (document: MODEL.md)."""
