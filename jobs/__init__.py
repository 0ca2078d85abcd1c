"""The background work of an instance: the scheduler that delivers the outbox, writes the
breach and convention reminders and signs the journal's checkpoints."""
