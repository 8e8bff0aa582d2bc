"""Load and validate: the dataset contract, its reader and checks, the generator, plan folders on disk."""
