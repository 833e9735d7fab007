"""Cases: disputes, promises to pay, payment plans, notes, calls, tasks, agency hand-offs
and write-offs — what a credit controller records about an account, and the customer
timeline that puts it all in order.
"""
