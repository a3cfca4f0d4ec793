"""pytest plugin for portkit (fixtures over portkit.testing)."""
