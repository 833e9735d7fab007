"""The REST API at ``/api/v1``: API tokens, keyset pages of every collections resource,
writes through the domain services, idempotent POSTs and RFC 9457 problem answers."""
