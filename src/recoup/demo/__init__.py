"""A realistic synthetic B2B portfolio, for the demo and the benchmarks."""
