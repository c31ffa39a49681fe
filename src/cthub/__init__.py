"""cthub: a counter-trafficking data hub.

Harmonize contributors' case records onto one standard, protect them (k-anonymity, differential privacy,
protected aggregates), prove each release safe and useful, and publish it.
"""

__version__ = "0.1.0"
