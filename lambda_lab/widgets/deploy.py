"""The "console": write a handler, set runtime, memory, timeout and variables, deploy."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..runtime.runtimes import SUPPORTED_RUNTIMES
from ._base import LabWidget, shows_errors

__all__ = ["DeployWidget"]

STARTER = '''import json

def handler(event, context):
    name = event.get("name", "World")
    return {"statusCode": 200, "body": json.dumps(f"Hello {name}")}
'''


class DeployWidget(LabWidget):
    """``DeployWidget(lab)``: edit, configure, Deploy; then ``widget.function`` is the deployed function."""

    def __init__(self, lab, *, name: str = "my-function", code: str = STARTER):
        super().__init__()
        self.lab = lab
        self.function = None
        self.name = widgets.Text(value=name, description="Name")
        self.code = widgets.Textarea(value=code, layout=widgets.Layout(width="100%", height="220px"))
        self.runtime = widgets.Dropdown(options=list(SUPPORTED_RUNTIMES), value="python3.12", description="Runtime")
        self.handler = widgets.Text(value="app.handler", description="Handler")
        self.memory = widgets.SelectionSlider(options=[128, 256, 512, 1024, 1769, 2048, 3008, 4096, 10240],
                                              value=128, description="Memory MB")
        self.timeout = widgets.BoundedIntText(value=3, min=1, max=900, description="Timeout s")
        self.env = widgets.Textarea(placeholder="KEY=value, one per line", description="Env vars",
                                    layout=widgets.Layout(width="100%", height="60px"))
        self.deploy_button = widgets.Button(description="Deploy", button_style="primary", icon="upload")
        self.result = widgets.HTML()
        self.deploy_button.on_click(lambda _: self.deploy())
        self.view = widgets.VBox([
            widgets.HBox([self.name, self.runtime, self.handler]),
            self.code,
            widgets.HBox([self.memory, self.timeout]),
            self.env,
            widgets.HBox([self.deploy_button]),
            self.result, self.error,
        ])

    def environment(self) -> dict[str, str]:
        variables = {}
        for number, line in enumerate(self.env.value.splitlines(), start=1):
            if not line.strip():
                continue
            if "=" not in line:
                raise ValueError(f"Env vars line {number} ({line!r}) needs the form KEY=value.")
            key, value = line.split("=", 1)
            variables[key.strip()] = value.strip()
        return variables

    @shows_errors
    def deploy(self):
        self.result.value = "<i>Deploying…</i>"
        try:
            self.function = self.lab.deploy(self.name.value.strip(), code=self.code.value, handler=self.handler.value,
                                            runtime=self.runtime.value, memory_mb=int(self.memory.value),
                                            timeout_s=int(self.timeout.value), env=self.environment())
        except Exception:
            self.result.value = ""
            raise
        config = self.function.configuration
        self.result.value = (f"<div style='color:#2e7d32'>Deployed <b>{html.escape(config['FunctionName'])}</b> "
                             f"({config['Runtime']}, {config['MemorySize']} MB, {config['Timeout']} s): "
                             f"<code>{html.escape(config['FunctionArn'])}</code></div>")
        return self.function
