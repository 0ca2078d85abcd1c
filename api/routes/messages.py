"""The outbox seen from the API: messages, their state, and a retry for failed ones."""

from fastapi import APIRouter

router = APIRouter(tags=["messages"])
