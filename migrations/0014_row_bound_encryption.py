from tortoise import migrations

# Issue 14: encrypted values bound to their rows (`enc:v2:`, core.crypto). No schema change,
# and no data migration on purpose: a migration runs without the encryption keys, and
# `rgpd keys rotate` rewrites the older `enc:v1:` values batch by batch while the instance
# runs; until then they still read (docs/encryption.md).


class Migration(migrations.Migration):
    dependencies = [("models", "0013_account_hardening")]

    initial = False

    operations = []
