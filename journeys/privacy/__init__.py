"""Privacy requests: export, delete and suppress, anonymise (docs/privacy.md)."""
