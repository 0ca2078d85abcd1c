"""The breach workflow's messages: notices to controllers, the CNIL document, the people's
communication; composed from the facts, previewed, and enqueued with the change they report."""
