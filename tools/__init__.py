"""Domain logic of account_collections_mx that needs no ORM.

Every module here imports only the standard library (and lxml / stdnum where
said), so it can be unit-tested with plain pytest in milliseconds; the models
are thin wrappers around it.
"""
