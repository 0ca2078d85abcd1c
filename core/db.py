"""Database checks used by health reports and commands."""

from tortoise import connections


async def ping() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # any failure means "not reachable" to a health probe
        return False
    return True
