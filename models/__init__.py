"""countlab's pure domain: sessions, certificates, rule regimes and the vectorized tally.

Nothing here reads files, talks to a database or imports Prefect: functions take arrays
and frozen values and return new ones (see docs/architecture.md).
"""
