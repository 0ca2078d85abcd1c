from tortoise import migrations

# Issue 15: placeholder, filled by the work that owns it (or removed if unused).


class Migration(migrations.Migration):
    dependencies = [("models", "0019_breach_refs_by_body")]

    initial = False

    operations = []
