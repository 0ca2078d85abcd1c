from tortoise import migrations

# Issue 16, H2 convention life (termination, renewals).


class Migration(migrations.Migration):
    dependencies = [('models', '0022_subprocessing_regime')]

    initial = False

    operations = []
