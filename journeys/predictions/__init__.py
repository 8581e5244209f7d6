"""Predictive scores: features from each customer's history, a LightGBM model, scores on every customer.

- `spec`: the feature list a training chose and its words for people (pure; below the conditions).
- `features`: the features (and outcomes) as one set-based SQL query per batch of customers.
- `training`, `scoring`, `quality`: the model, the scores written with COPY, the held-out figures.
- `services`, `selectors`: what the pages, the API and the tasks call.
- `views`, `urls`, `tasks`: the interfaces.

Modules are imported by path; this package imports nothing, so the pure `spec` can sit in the
bottom layer without dragging the rest with it.
"""
