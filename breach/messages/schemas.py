from pydantic import BaseModel, Field

from register.schemas_common import Email, LongText, VersionedPatch


class PreviewOut(BaseModel):
    """A message as it would be sent now: nothing is written."""

    kind: str
    subject: str
    body: str
    to_addrs: list[str]
    warnings: list[str] = []
    also: list["PreviewOut"] = Field(
        default=[], description="Messages sent with it (the reminder to phone, when required)"
    )


class ControllerNoticeIn(VersionedPatch):
    """Send the notice to the controller now, by e-mail, and record it as informed."""

    late_reason: LongText | None = None
    summary: LongText | None = None
    to_addrs: list[Email] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="Recipients instead of the controller's DPO and RSSI",
    )
