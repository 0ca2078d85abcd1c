from tortoise import migrations

# Placeholder in the chain for issue 14's work; its operations are filled in by that work.


class Migration(migrations.Migration):
    dependencies = [("models", "0013_account_hardening")]

    initial = False

    operations = []
