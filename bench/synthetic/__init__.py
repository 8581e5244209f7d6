"""Synthetic customers and events with planted truth, for tests and benchmarks.

Each module plants one kind of truth and returns it beside the rows it wrote, so a test or a
benchmark measures a feature against what is known to be there rather than against itself:

- `customers`: histories whose chance of ordering in the next days is a known function of
  features the product can build (`generate_customers` -> `Planted`).

Other modules (preferred hours, anomalous series) are added beside it by their owners.
"""

from bench.synthetic.customers import ORDER_EVENT, Planted, generate_customers, true_probability

__all__ = ["ORDER_EVENT", "Planted", "generate_customers", "true_probability"]
