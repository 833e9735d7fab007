"""Users, roles, sessions and passwords of the collections team."""
