"""A Streamlit client that speaks the app's websocket protocol (protobuf BackMsg/ForwardMsg), without a browser.

The load test measures the server: in the county, each township head's browser runs on their own machine,
so 30 Chromium tabs on the server's two cores would measure the tabs, not the dashboard. This client does
what the frontend does on the wire and nothing more: opens /_stcore/stream, asks for a page (with the URL's
query string), fills and submits the sign-in form, follows the sidebar to another page, and reads what each
run rendered (error boxes and exceptions, the version caption). Page time is from the request until the
server reports the run finished (after any st.rerun), i.e. everything the server does for the view.

Not done: rendering, static assets (browsers cache them), the cookie component's round trip.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

DONE = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_WITH_COMPILE_ERROR")
TEXT_ELEMENTS = ("markdown", "text", "heading")


@dataclass
class Rendered:
    """What one run (up to the end of any st.rerun chain) put on the page."""

    texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)   # text_input label -> widget id
    buttons: dict[str, tuple[str, bool]] = field(default_factory=dict)  # label -> (widget id, is form submit)
    elements: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def take(self, element) -> None:
        self.elements += 1
        kind = element.WhichOneof("type")
        if kind in TEXT_ELEMENTS:
            self.texts.append(getattr(element, kind).body)
        elif kind == "exception":
            self.errors.append(f"exception: {element.exception.type}: {element.exception.message[:300]}")
        elif kind == "alert":
            if element.alert.format == Alert.ERROR:
                self.errors.append(f"error box: {element.alert.body[:300]}")
            self.texts.append(element.alert.body)
        elif kind == "metric":
            self.texts.append(f"{element.metric.label}：{element.metric.body}")
        elif kind == "text_input":
            self.inputs[element.text_input.label] = element.text_input.id
        elif kind == "button":
            self.buttons[element.button.label] = (element.button.id, element.button.is_form_submitter)


class ProtocolTab:
    """One browser tab's websocket session with the app."""

    def __init__(self, base: str, timeout: float = 60):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.ws = None
        self.pages: dict[str, str] = {}  # url_pathname ("" = default page) -> page_script_hash
        self.query_string = ""
        self.page_hash = ""

    async def connect(self) -> None:
        parsed = urlparse(self.base)
        url = f"ws://{parsed.netloc}{parsed.path}/_stcore/stream"
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None,
                                           origin=f"http://{parsed.netloc}", open_timeout=self.timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def open(self, path: str, query_string: str = "") -> Rendered:
        """A new visit of `<base>/<path>?<query_string>`: a fresh connection and session, like a new tab."""
        await self.close()
        await self.connect()
        self.query_string = query_string
        return await self._rerun(page_name=path, page_hash="", widgets=[], url_path=path)

    async def navigate(self, path: str) -> Rendered | None:
        """Follow the sidebar link to `path` (None when this user's sidebar has no such page)."""
        page_hash = self.pages.get(path)
        if page_hash is None:
            return None
        return await self._rerun(page_name="", page_hash=page_hash, widgets=[], url_path=path)

    async def rerun(self) -> Rendered:
        """Run the current page again: what the frontend asks for when a component reports a value (e.g. the
        sign-in cookie was set)."""
        return await self._rerun(page_name="", page_hash=self.page_hash, widgets=[], url_path=None)

    async def submit(self, rendered: Rendered, values: dict[str, str], button: str) -> Rendered:
        """Fill the text inputs labelled as in `values` and press `button` (a form's submit button)."""
        widgets = []
        for label, value in values.items():
            state = BackMsg().rerun_script.widget_states.widgets.add()
            state.id, state.string_value = rendered.inputs[label], value
            widgets.append(state)
        trigger = BackMsg().rerun_script.widget_states.widgets.add()
        trigger.id, trigger.trigger_value = rendered.buttons[button][0], True
        widgets.append(trigger)
        return await self._rerun(page_name="", page_hash=self.page_hash, widgets=widgets, url_path=None)

    async def _rerun(self, *, page_name: str, page_hash: str, widgets: list, url_path: str | None) -> Rendered:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_name = page_name
        state.page_script_hash = page_hash
        state.widget_states.widgets.extend(widgets)
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.locale = "zh-CN"
        if url_path is not None:
            state.context_info.url = f"{self.base}/{url_path}" + (f"?{self.query_string}" if self.query_string else "")
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._until_finished(), self.timeout)

    async def _until_finished(self) -> Rendered:
        rendered = Rendered()
        while True:
            raw = await self.ws.recv()
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                rendered.take(fwd.delta.new_element)
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = fwd.page_info_changed.query_string
            elif kind == "new_session":
                rendered = Rendered()  # a new run: what counts is the last one
            elif kind == "script_finished":
                if fwd.script_finished == DONE:
                    return rendered
                if fwd.script_finished == COMPILE_ERROR:
                    rendered.errors.append("script compile error")
                    return rendered
                rendered = Rendered()  # st.rerun / st.switch_page: the next run follows by itself


async def timed(coro) -> tuple[float, Rendered | None]:
    started = time.monotonic()
    result = await coro
    return time.monotonic() - started, result
