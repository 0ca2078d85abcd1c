from tortoise import migrations

# Issue 16, H1 sub-processing regime (engagement requests, authorisations, objections).


class Migration(migrations.Migration):
    dependencies = [('models', '0021_nis2_clocks')]

    initial = False

    operations = []
