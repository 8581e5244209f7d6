"""A/B test statistics for journey experiments: pure functions, no database."""
