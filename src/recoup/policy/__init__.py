"""Escalation policies (data) and the engine that plans who is contacted, when, how."""
