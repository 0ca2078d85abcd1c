from tortoise import migrations

# Issue 15: placeholder, filled by the work that owns it (or removed if unused).


class Migration(migrations.Migration):
    dependencies = [("models", "0014_row_bound_encryption")]

    initial = False

    operations = []
