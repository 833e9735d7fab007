"""Approvals by a second person: hand-offs, write-offs and large credit-limit increases."""
