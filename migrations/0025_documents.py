from tortoise import migrations

# Issue 16, H6 documents attached to conventions and engagements.


class Migration(migrations.Migration):
    dependencies = [('models', '0024_convention_clauses')]

    initial = False

    operations = []
