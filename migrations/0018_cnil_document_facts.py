from tortoise import migrations

# Issue 15: placeholder, filled by the work that owns it (or removed if unused).


class Migration(migrations.Migration):
    dependencies = [("models", "0017_phases_and_people")]

    initial = False

    operations = []
