"""The audit journal: every write, hash-chained per organisation, with signed checkpoints.

`chain.append` records an event in the caller's transaction, `chain.checkpoint` signs the end
of a chain with the instance's Ed25519 key, `verify.verify` walks the chains and says where
they were altered.
"""
