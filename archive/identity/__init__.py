"""Identity: which stored article a page is — its URL forms, its text fingerprint, near-duplicates
across outlets and verbatim copies linked to their original."""
