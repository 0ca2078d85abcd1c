from tortoise import migrations

# Issue 16, H3 the art. 28(3) checklist of a convention.


class Migration(migrations.Migration):
    dependencies = [('models', '0023_convention_life')]

    initial = False

    operations = []
