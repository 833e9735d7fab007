"""Cash application: bank statements in, payments matched to invoices and applied.

``statement`` holds the typed lines every format parser produces; ``formats`` reads
camt.053/054, MT940, OFX and CSV profiles into them; ``core`` scores candidates and
decides (pure); ``service`` stores statements, applies what is certain through the
ledger's allocation rules and keeps the rest for a person.
"""
