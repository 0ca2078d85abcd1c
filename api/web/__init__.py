"""The web interface: server-rendered pages in French (Jinja2, templates/pages/), working
without JavaScript; static/ holds the stylesheet and the small scripts (live countdowns).

Pages call the same services as the JSON API, with the scope of the signed-in user's roles,
so every rule (validation, versions, isolation) holds here too.
"""
