"""The daily run and the workers: where every domain's service is brought together."""
