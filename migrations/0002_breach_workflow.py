from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from breach.enums import Art34Exemption, BreachPath, BreachStatus, IncidentCause, IncidentOrigin, InformPeople, NotificationChannel, NotificationPhase, NotificationRecipient, RiskLevel
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Incident',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('organisation', fields.ForeignKeyField('models.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='incidents', on_delete=OnDelete.RESTRICT)),
                ('title', fields.CharField(max_length=300)),
                ('description', fields.TextField(unique=False)),
                ('system', fields.CharField(null=True, max_length=300)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('start_is_estimate', fields.BooleanField(default=False)),
                ('detected_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ongoing', fields.BooleanField(default=True)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('nature', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('origin', fields.CharEnumField(null=True, description='EQUIPMENT_LOST_STOLEN: equipment_lost_stolen\nPAPER_LOST_STOLEN: paper_lost_stolen\nMAIL_LOST_OPENED: mail_lost_opened\nHACKING_MALWARE_PHISHING: hacking_malware_phishing\nPAPER_NOT_DESTROYED: paper_not_destroyed\nDEVICE_NOT_ERASED: device_not_erased\nUNINTENDED_PUBLICATION: unintended_publication\nWRONG_PERSON_DATA_SHOWN: wrong_person_data_shown\nWRONG_RECIPIENT: wrong_recipient\nVERBAL_DISCLOSURE: verbal_disclosure', enum_type=IncidentOrigin, max_length=32)),
                ('cause', fields.CharEnumField(null=True, description='INTERNAL_MALICIOUS: internal_malicious\nINTERNAL_ACCIDENTAL: internal_accidental\nEXTERNAL_MALICIOUS: external_malicious\nEXTERNAL_ACCIDENTAL: external_accidental\nUNKNOWN: unknown', enum_type=IncidentCause, max_length=24)),
                ('declared_by', fields.CharField(null=True, max_length=200)),
                ('activities', fields.ManyToManyField('models.ProcessingActivity', unique=True, db_constraint=True, through='incident_activity', forward_key='processingactivity_id', backward_key='incident_id', related_name='incidents', on_delete=OnDelete.CASCADE)),
                ('conventions', fields.ManyToManyField('models.Convention', unique=True, db_constraint=True, through='incident_convention', forward_key='convention_id', backward_key='incident_id', related_name='incidents', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'incident', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A security incident on a system run by one body, declared at any hour.'},
            bases=['VersionedModel'],
        ),
        ops.CreateModel(
            name='Breach',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('incident', fields.ForeignKeyField('models.Incident', source_field='incident_id', db_constraint=True, to_field='id', related_name='breaches', on_delete=OnDelete.RESTRICT)),
                ('controller', fields.ForeignKeyField('models.Organisation', source_field='controller_id', db_constraint=True, to_field='id', related_name='breaches', on_delete=OnDelete.RESTRICT)),
                ('source_org', fields.ForeignKeyField('models.Organisation', source_field='source_org_id', null=True, db_constraint=True, to_field='id', related_name='breaches_caused', on_delete=OnDelete.RESTRICT)),
                ('convention', fields.ForeignKeyField('models.Convention', source_field='convention_id', null=True, db_constraint=True, to_field='id', related_name='breaches', on_delete=OnDelete.RESTRICT)),
                ('ref', fields.CharField(max_length=40)),
                ('path', fields.CharEnumField(description='OWN_SYSTEM: own_system\nPROCESSOR: processor\nSERVICE_COMMUN: service_commun\nINDEPENDENT: independent', enum_type=BreachPath, max_length=16)),
                ('status', fields.CharEnumField(default=BreachStatus.DECLARED, description='DECLARED: declared\nASSESSED: assessed\nNOTIFIED: notified\nCOMPLEMENTED: complemented\nCLOSED: closed', enum_type=BreachStatus, max_length=16)),
                ('controller_notice_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('controller_informed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('controller_notice_late_reason', fields.TextField(null=True, unique=False)),
                ('aware_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('aware_rationale', fields.TextField(null=True, unique=False)),
                ('cnil_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('data_categories', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('subject_categories', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('approx_subjects', fields.IntField(null=True)),
                ('subjects_is_estimate', fields.BooleanField(default=True)),
                ('approx_records', fields.IntField(null=True)),
                ('consequences', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('consequences_detail', fields.TextField(null=True, unique=False)),
                ('measures_taken', fields.TextField(null=True, unique=False)),
                ('measures_planned', fields.TextField(null=True, unique=False)),
                ('assessment', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('severity_band', fields.CharField(null=True, max_length=16)),
                ('assessed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('risk_level', fields.CharEnumField(null=True, description='UNLIKELY: unlikely\nRISK: risk\nHIGH: high', enum_type=RiskLevel, max_length=16)),
                ('notify_cnil', fields.BooleanField(null=True)),
                ('inform_people', fields.CharEnumField(null=True, description='YES: yes\nLATER: later\nNO: no', enum_type=InformPeople, max_length=8)),
                ('art34_exemption', fields.CharEnumField(null=True, description='A_UNINTELLIGIBLE: a_unintelligible\nB_RISK_REMOVED: b_risk_removed\nC_DISPROPORTIONATE: c_disproportionate', enum_type=Art34Exemption, max_length=24)),
                ('decision_reasons', fields.TextField(null=True, unique=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.CharField(null=True, max_length=200)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closing_reasons', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'breach', 'app': 'models', 'unique_together': (('incident', 'controller'),), 'pk_attr': 'id', 'table_description': "One controller's personal-data breach, with its own clock (art. 33) and its entry in"},
            bases=['VersionedModel'],
        ),
        ops.CreateModel(
            name='BreachEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('breach', fields.ForeignKeyField('models.Breach', source_field='breach_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('from_status', fields.CharField(null=True, max_length=16)),
                ('to_status', fields.CharField(max_length=16)),
                ('action', fields.CharField(max_length=40)),
                ('note', fields.TextField(null=True, unique=False)),
                ('author', fields.CharField(null=True, max_length=200)),
            ],
            options={'table': 'breach_event', 'app': 'models', 'pk_attr': 'id', 'table_description': "Append-only log of a breach's transitions and decisions."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BreachNotification',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('breach', fields.ForeignKeyField('models.Breach', source_field='breach_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.RESTRICT)),
                ('recipient', fields.CharEnumField(description='CNIL: cnil\nDATA_SUBJECTS: data_subjects\nCONTROLLER: controller', enum_type=NotificationRecipient, max_length=16)),
                ('phase', fields.CharEnumField(description='INITIAL: initial\nCOMPLEMENTARY: complementary', enum_type=NotificationPhase, max_length=16)),
                ('channel', fields.CharEnumField(description='TELESERVICE: teleservice\nEMAIL: email\nPHONE: phone\nLETTER: letter\nSMS: sms\nPUBLIC_COMMUNICATION: public_communication', enum_type=NotificationChannel, max_length=24)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('late_reason', fields.TextField(null=True, unique=False)),
                ('external_ref', fields.CharField(null=True, max_length=100)),
                ('summary', fields.TextField(null=True, unique=False)),
                ('recorded_by', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'breach_notification', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A notification recorded as made: to the CNIL, to the people, or to the controller.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IncidentChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('incident', fields.ForeignKeyField('models.Incident', source_field='incident_id', db_constraint=True, to_field='id', related_name='changes', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('author', fields.CharField(null=True, max_length=200)),
                ('changes', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'incident_change', 'app': 'models', 'pk_attr': 'id', 'table_description': "Append-only history of an incident's facts: who changed what, from what, to what."},
            bases=['Model'],
        ),
    ]
