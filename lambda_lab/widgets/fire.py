"""Fire events at a function through a real trigger, one or N at a time, and see what ran."""

from __future__ import annotations

import html
import json

import ipywidgets as widgets

from ._base import LabWidget, shows_errors
from .logs import highlight

__all__ = ["FireWidget", "SOURCES"]

# source -> (what the text box holds, an example)
SOURCES = {
    "Invoke (direct)": ("event JSON", '{"name": "Ada"}'),
    "S3 upload": ("object body", "hello from S3"),
    "SQS message": ("message body (JSON or text)", '{"order": 42}'),
    "SNS publish": ("message", "hello from SNS"),
    "API Gateway (HTTP)": ("request body (JSON or text)", '{"name": "Ada"}'),
    "EventBridge": ("detail JSON", '{"total": 42}'),
    "DynamoDB stream": ("item JSON (needs an \"id\")", '{"id": "order-1", "total": 42}'),
}


class FireWidget(LabWidget):
    """``FireWidget(lab, fn)``: pick a trigger, edit the event's interesting part, fire 1..N."""

    def __init__(self, lab, fn):
        super().__init__()
        self.lab, self.fn = lab, fn
        self.source = widgets.Dropdown(options=list(SOURCES), value="Invoke (direct)", description="Trigger")
        self.body = widgets.Textarea(value=SOURCES["Invoke (direct)"][1], layout=widgets.Layout(width="100%"))
        self.key = widgets.Text(value="uploads/hello.txt", description="S3 key / path")
        self.count = widgets.BoundedIntText(value=1, min=1, max=1000, description="How many")
        self.fire_button = widgets.Button(description="Fire", button_style="warning", icon="bolt")
        self.results = widgets.HTML()
        self.logs = widgets.HTML()
        self.invocations: list = []
        self.source.observe(self._source_changed, names="value")
        self.fire_button.on_click(lambda _: self.fire())
        self.view = widgets.VBox([widgets.HBox([self.source, self.count, self.fire_button]), self.key, self.body,
                                  self.results, self.logs, self.error])

    def _source_changed(self, change) -> None:
        hint, example = SOURCES[change["new"]]
        self.body.value, self.body.placeholder = example, hint

    @shows_errors
    def fire(self):
        source, text, n = self.source.value, self.body.value, int(self.count.value)
        ran = []
        if source == "Invoke (direct)":
            ran = [self.fn.invoke(_json(text, "event")) for _ in range(n)]
        elif source == "S3 upload":
            for i in range(n):
                key = self.key.value if n == 1 else f"{self.key.value}.{i}"
                ran += self.lab.fire.s3_put(self.fn, f"{self.fn.name.lower()}-bucket", key, text.encode())
        elif source == "SQS message":
            ran = self.lab.fire.sqs(self.fn, [text] * n)
        elif source == "SNS publish":
            for _ in range(n):
                ran += self.lab.fire.sns(self.fn, text)
        elif source == "API Gateway (HTTP)":
            for _ in range(n):
                response, fired = self.lab.fire.http(self.fn, "POST", "/" + self.key.value.lstrip("/"), body=text)
                ran += fired
            self.results.value = f"<p>Last HTTP response: <b>{response.status_code}</b> <code>{html.escape(response.text[:300])}</code></p>"
        elif source == "EventBridge":
            for _ in range(n):
                ran += self.lab.fire.eventbridge(self.fn, _json(text, "detail"))
        elif source == "DynamoDB stream":
            for _ in range(n):
                ran += self.lab.fire.dynamodb(self.fn, _json(text, "item"))
        self.invocations += ran
        self._show(ran, keep=source == "API Gateway (HTTP)")
        return ran

    def _show(self, ran: list, keep: bool) -> None:
        rows = "".join(
            f"<tr><td>{'throttled' if i.throttled else ('cold' if i.cold else 'warm')}</td>"
            f"<td>{i.duration_ms:.2f}</td><td>{'' if i.init_ms is None else f'{i.init_ms:.1f}'}</td>"
            f"<td>{i.billed_ms}</td><td>{html.escape((i.error or {}).get('errorType', '') or '')}</td>"
            f"<td><code>{html.escape(json.dumps(i.payload)[:80]) if i.payload is not None else ''}</code></td></tr>"
            for i in ran)
        table = ("<table><tr><th>start</th><th>duration ms</th><th>init ms</th><th>billed ms</th><th>error</th>"
                 f"<th>payload</th></tr>{rows}</table><p>{len(ran)} invocation(s) ran.</p>")
        self.results.value = (self.results.value if keep else "") + table
        self.logs.value = highlight(ran[-1].logs) if ran else ""


def _json(text: str, what: str):
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise ValueError(f"The {what} must be JSON ({exc}); e.g. {{\"name\": \"Ada\"}}.") from None
