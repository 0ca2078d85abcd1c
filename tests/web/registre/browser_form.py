"""Fill in a page's form as a browser would: read its fields from the HTML (values, ticked
boxes, selected options, textareas), change some, and post what the browser would send."""

from html.parser import HTMLParser

TEXT_INPUTS = {"text", "hidden", "number", "date", "url", "search", "email", "datetime-local"}


class _FormReader(HTMLParser):
    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.fields: list[list] = []  # [name, value, kind, options]
        self.select = None
        self.option = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action and a.get("method") == "post"
            return
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "checkbox":
                self.fields.append([a["name"], a.get("value", "on"), "checkbox", "checked" in a])
            elif kind in TEXT_INPUTS:
                self.fields.append([a["name"], a.get("value") or "", "text", None])
        elif tag == "select" and a.get("name"):
            self.select = [a["name"], None, "select", []]
            self.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select[3].append(value)
            if "selected" in a or self.select[1] is None:
                self.select[1] = value
        elif tag == "textarea" and a.get("name"):
            self.textarea = [a["name"], "", "text", None]
            self.fields.append(self.textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


class BrowserForm:
    def __init__(self, html: str, action: str):
        reader = _FormReader(action)
        reader.feed(html)
        assert reader.fields, f"no form posting to {action}"
        self.fields = reader.fields

    def _named(self, name: str) -> list[list]:
        found = [f for f in self.fields if f[0] == name]
        assert found, f"no field {name}"
        return found

    def set(self, name: str, value: str) -> "BrowserForm":
        (field,) = self._named(name)
        if field[2] == "select":
            assert value in field[3], f"{name}: no option {value!r} in {field[3]}"
        field[1] = value
        return self

    def tick(self, name: str, *values: str, only: bool = False) -> "BrowserForm":
        boxes = self._named(name)
        known = {b[1] for b in boxes}
        assert set(values) <= known, f"{name}: no box {set(values) - known}"
        for box in boxes:
            if box[1] in values:
                box[3] = True
            elif only:
                box[3] = False
        return self

    def untick(self, name: str, *values: str) -> "BrowserForm":
        for box in self._named(name):
            if not values or box[1] in values:
                box[3] = False
        return self

    def value(self, name: str) -> str:
        (field,) = self._named(name)
        return field[1]

    def ticked(self, name: str) -> list[str]:
        return [b[1] for b in self._named(name) if b[3]]

    def data(self) -> list[tuple[str, str]]:
        sent = []
        for name, value, kind, extra in self.fields:
            if kind == "checkbox":
                if extra:
                    sent.append((name, value))
            else:
                sent.append((name, value or ""))
        return sent
