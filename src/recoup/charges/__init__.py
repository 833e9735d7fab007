"""Charges: late fees, statutory and contractual interest, fixed compensation, by jurisdiction."""
