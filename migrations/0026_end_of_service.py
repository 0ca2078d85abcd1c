from tortoise import migrations

# Issue 16, H5 end-of-service steps.


class Migration(migrations.Migration):
    dependencies = [('models', '0025_documents')]

    initial = False

    operations = []
