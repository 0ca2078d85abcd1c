from tortoise import migrations

# Issue 15: placeholder, filled by the work that owns it (or removed if unused).


class Migration(migrations.Migration):
    dependencies = [("models", "0018_cnil_document_facts")]

    initial = False

    operations = []
