"""Send-time optimisation: when each customer tends to engage, by hour of the week.

`profile` is the pure arithmetic (hour of week, the population's habit classes, a customer's
posterior over them, the best slot in a window); `services` learns the profiles and the habits
from deliveries and events. The wait node's `best_time` mode reads a profile through
`NodeContext.send_time`.
"""
