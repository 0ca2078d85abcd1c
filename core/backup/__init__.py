"""`rgpd backup` and `rgpd restore`: one archive holding a consistent dump of the database and
its manifest; the keys are never in it (see `service`)."""
