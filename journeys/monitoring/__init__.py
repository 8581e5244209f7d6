"""Anomaly monitoring of hourly series: ingestion volume, event names, sources, journey nodes.

`detector` is the pure statistics (a seasonal baseline per day of week and hour with a robust
band, and a silence rule); `series` builds the hourly counts from the database; `services`
runs the hourly job and keeps alerts; `notify` tells Admins; `views`, `urls` and `api` are the
monitoring pages and the canvas's per-node marks.
"""
