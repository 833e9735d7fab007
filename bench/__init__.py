"""Benchmarks (``make bench``): Recoup's bulk paths against bare-SQL lower bounds."""
