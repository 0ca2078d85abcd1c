"""Who is calling (session cookie or bearer token), what they may do, and the HTTP headers."""
