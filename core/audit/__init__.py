"""The audit journal: every write, hash-chained per organisation, with signed checkpoints.

`chain.append` records an event in the caller's transaction, `chain.checkpoint` signs the end
of a chain with the instance's Ed25519 key and appends the signed head to the anchor, a file
outside the database (`anchor`), `verify.verify` walks the chains, checks them against the
anchor and says where they were altered. Protected fields are journaled as keyed digests
(`digest`).
"""
