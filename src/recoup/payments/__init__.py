"""Online payments: payment providers (Stripe first), checkout for the portal, and the
provider's signed events recorded as payments through the ledger."""
