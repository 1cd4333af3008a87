"""Tenancy tables: jurisdictions, enterprises, training institutions (below auth and people)."""
