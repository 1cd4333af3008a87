"""Hostile uploads fed to the shared table reader (``question_bank.tabular``): CPU seconds and peak memory (resident, added by the read) of each
bomb, under the question-file limits and the 花名册 limits, against reading a normal 2,000-row roster (the baseline,
measured in the same run); the former way (openpyxl read-only rows with ``max_col``) on that roster and on a
bomb. The bombs are the tests' (``tests/bombs.py``); a 6,300 × 6,300 PNG is fed to the photo
check too. Runs in well under a minute.

Run: ``.venv/bin/python bench/upload_bombs.py``.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from question_bank.limits import DEFAULT_LIMITS, ROSTER_LIMITS, Limits
from question_bank.tabular import TableReader, TableRefused
from tests import bombs

HEADER = ["姓名", "证件类型", "证件号码", "手机号", "岗位类别", "用工形式", "作业类别", "操作项目", "入职日期"]


def roster(rows: int) -> list[list[object]]:
    return [HEADER] + [
        [
            f"职工{i}",
            "居民身份证",
            f"32010219800102{i:04d}",
            f"138{i:08d}",
            "其他从业人员",
            "正式",
            "",
            "",
            "2024-03-01",
        ]
        for i in range(rows)
    ]


def read(data: bytes, filename: str, limits: Limits) -> str:
    """Read every row the way the imports do; what happened, in a few words."""
    reader = TableReader(limits)
    count = 0
    try:
        if filename.endswith(".csv"):
            count = sum(1 for _ in reader.csv(data))
        else:
            with reader.xlsx(data) as sheets:
                count = sum(1 for sheet in sheets if sheet.rows for _ in sheet.rows)
    except TableRefused as exc:
        limit = exc.params.get("max", "")
        return f"refused: {exc.code} (limit {limit})"
    stopped = f", stopped at row {reader.truncated_at:,}" if reader.truncated_at else ""
    return f"read {count:,} rows{stopped}"


def former(data: bytes) -> str:
    """The way both imports read a workbook before: openpyxl read-only rows, bounded by ``max_col``/``max_row``."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = workbook.worksheets[0].iter_rows(values_only=True, max_row=ROSTER_LIMITS.max_rows, max_col=40)
    count = sum(1 for _ in rows)
    workbook.close()
    return f"read {count:,} rows"


def measure(call) -> tuple[str, float, float]:
    """``call()`` in a forked child: (its outcome, CPU seconds, the resident memory it added at its peak, in MB).
    A child per case, so each peak is its own (tracemalloc would slow the parse several times over)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # the peak (VmHWM) starts again from what the child holds now
        before = _status_mb("VmRSS")
        start = time.process_time()
        try:
            outcome = call()
        except Exception as exc:  # reported, not raised: the parent prints the row
            outcome = f"error: {exc!r}"
        seconds = time.process_time() - start
        os.write(write_end, json.dumps([outcome, seconds, _status_mb("VmHWM") - before]).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        outcome, seconds, peak = json.loads(pipe.read())
    os.waitpid(pid, 0)
    return outcome, seconds, max(0.0, peak)


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def png(size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (255, 255, 255)).save(out, "PNG")
    return out.getvalue()


def photo_check(data: bytes) -> str:
    from app.core.errors import DomainError
    from app.people.images import decode_image  # imported by main() already: not measured

    try:
        decode_image(data, max_bytes=5 * 1024 * 1024)
    except DomainError as exc:
        return f"refused: {exc.code}"
    return "decoded"


def main() -> None:
    import openpyxl.reader.excel  # noqa: F401

    import app.people.photos  # noqa: F401  (the app's imports are not the photo check's cost)

    t0 = time.perf_counter()
    normal = [
        ("normal roster, 2,000 rows (xlsx)", bombs.workbook(roster(2_000)), "r.xlsx"),
        ("normal roster, 2,000 rows (GBK CSV)", "\n".join(",".join(r) for r in roster(2_000)).encode("gbk"), "r.csv"),
    ]
    hostile = [
        ("rows of 16,384 cells x 150", bombs.wide_rows(HEADER, rows=150), "w.xlsx"),
        ("rows of 16,384 cells x 40", bombs.wide_rows(HEADER, rows=40), "w.xlsx"),
        ("1,000,000 empty rows", bombs.empty_rows(HEADER), "e.xlsx"),
        ("zip bomb, 600 MB unpacked", bombs.zip_bomb(HEADER, unpacked_bytes=600 * 1024 * 1024), "z.xlsx"),
        ("CSV with a 10 MB line", bombs.long_line_csv(HEADER), "l.csv"),
        ("CSV with a 4.9 MB line", bombs.long_line_csv(HEADER, line_bytes=4_900_000), "l.csv"),
    ]
    print(f"generated the files in {time.perf_counter() - t0:.1f} s\n")
    print(f"{'file':<50} {'size':>9}  {'limits':<9} {'CPU s':>6} {'+RSS MB':>8}  outcome")
    baseline = None
    for name, data, filename in normal + hostile:
        for label, limits in (("questions", DEFAULT_LIMITS), ("roster", ROSTER_LIMITS)):
            outcome, seconds, peak = measure(lambda d=data, f=filename, lim=limits: read(d, f, lim))
            if baseline is None:
                baseline = seconds
            size = f"{len(data) / 1024:,.0f} KB"
            print(f"{name:<50} {size:>9}  {label:<9} {seconds:>6.2f} {peak:>8.1f}  {outcome}")
    for name, data, _ in (normal[0], hostile[1]):
        outcome, seconds, peak = measure(lambda d=data: former(d))
        size = f"{len(data) / 1024:,.0f} KB"
        print(f"{name:<50} {size:>9}  {'former':<9} {seconds:>6.2f} {peak:>8.1f}  {outcome}")
    for name, data in (
        ("PNG 1,200 x 1,600 (registered photo)", png((1200, 1600))),
        ("PNG 6,300 x 6,300", png((6300, 6300))),
    ):
        outcome, seconds, peak = measure(lambda d=data: photo_check(d))
        size = f"{len(data) / 1024:,.0f} KB"
        print(f"{name:<50} {size:>9}  {'photo':<9} {seconds:>6.2f} {peak:>8.1f}  {outcome}")
    print(f"\nbaseline (normal 2,000-row xlsx roster, question limits): {baseline:.2f} s CPU")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
