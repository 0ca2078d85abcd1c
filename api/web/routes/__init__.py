"""The page routers, one module per area; api.app includes each (no /api prefix, and none
in the OpenAPI document)."""
