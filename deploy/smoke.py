"""Is a started dashboard serving? `python deploy/smoke.py http://127.0.0.1:8501 [USER PASSWORD]`

Opens the home page over Streamlit's websocket protocol (as a browser tab would, without one), signs in when
given an account, and checks that the page rendered without an error box: exit 0 when it serves, 1 with the
reason otherwise. For the county's IT staff after an install or upgrade, and for the bundle test.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from local_cluster import wait_healthy  # noqa: E402  (this folder)
from protocol_client import ProtocolTab  # noqa: E402  (the load test's client; shipped with the app)


async def check(base: str, account: tuple[str, str] | None) -> str:
    tab = ProtocolTab(base, timeout=300)  # the first visit of a demo install builds the demo county
    try:
        page = await tab.open("")
        if account and "用户名" in page.inputs:
            page = await tab.submit(page, {"用户名": account[0], "密码": account[1]}, "登录")
            if "登录成功" in page.text:
                page = await tab.rerun()
        if page.errors:
            raise SystemExit("页面出错：" + " | ".join(page.errors))
        return page.text + "\n" + "  ".join(f"[{label}]" for label in page.buttons)
    finally:
        await tab.close()


def main(argv: list[str]) -> int:
    base = argv[0].rstrip("/")
    account = (argv[1], argv[2]) if len(argv) >= 3 else None
    try:
        wait_healthy(base, 180)
    except TimeoutError:
        raise SystemExit(f"看板在 180 秒内没有启动：{base}/_stcore/health 无响应") from None
    text = asyncio.run(check(base, account))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
