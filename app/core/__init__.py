"""Infrastructure shared by every domain package; no domain nouns live here."""
