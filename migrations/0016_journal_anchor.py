from tortoise import migrations

# Placeholder in the chain for issue 14's work; its operations are filled in by that work.


class Migration(migrations.Migration):
    dependencies = [("models", "0015_input_bounds")]

    initial = False

    operations = []
