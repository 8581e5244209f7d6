"""Retention that scales: the big append-mostly tables are partitioned by month and age out a
whole partition at a time.

`tables` says which tables and by what column, `partitions` creates partitions ahead and drops
those past retention, `convert` turns an existing plain table into a partitioned one (the
migration), `status` is what the Admins' retention page shows.
"""
