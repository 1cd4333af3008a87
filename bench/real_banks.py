"""How well ``read_questions`` reads real banks: share of questions whose stem, options and answer come out right.

Two steps, both on files kept *outside* the repository (third-party banks are never committed):

``build SRC_DIR OUT_DIR``
    ``SRC_DIR`` holds one ``<source>.tsv`` per bank, transcribed from the rows as the source system stores
    them: ``chapter <TAB> category <TAB> title <TAB> choices <TAB> answers`` where category is the
    source's own code (1 判断, 0 单选, 2 多选), title keeps its numbering (``12、…``), a literal ``\\n``
    is a line break inside the title, choices are packed as stored (``**A.甲**B.乙``; ``J`` is shorthand
    for ``**A.正确**B.错误``) and answers are letters.  Writes, per source, the shapes people hand us:
    ``<source>.xlsx`` (章节 | 试题类型 | 题目内容 | 题目选项 | 题目答案, stems and packed options exactly as
    stored), ``<source>.csv`` (the same in GBK) and ``<source>.txt`` (a PDF-handbook rendering: section
    titles, numbered hard-wrapped stems, options on their own lines, ``答案：X``, page footers), plus
    ``truth.json``: the ground truth of every row (type, stem, options, answer) and the source defects
    found in it (an answer letter with no option, options run together without a separator …).

``measure OUT_DIR [truth.json]``
    Runs ``read_questions`` on every file and prints, per file and in total: rows, read, reported (by
    reason), and of the read ones how many match the ground truth (stem compared after whitespace and
    blank-bracket normalisation; options and answer exactly), with every miss listed.

Usage::

    .venv/bin/python bench/real_banks.py build /tmp/realbanks/src /tmp/realbanks/out
    .venv/bin/python bench/real_banks.py measure /tmp/realbanks/out
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from question_bank import read_questions

TYPES = {"1": "true_false", "0": "single", "2": "multiple"}
TYPE_ZH = {"true_false": "判断题", "single": "单选题", "multiple": "多选题"}
TF_CHOICES = "**A.正确**B.错误"
LETTERS = "ABCDEFGH"
_NUMBER = re.compile(r"^\s*\d+\s*[.．、]+\s*")
_LEAD = re.compile(r"^\s*([A-HＡ-Ｈ])\s*[.．、]\s*")
_INNER_MARKER = re.compile(r"(?<![A-Za-z0-9])([A-HＡ-Ｈ])\s*[.．]")
_BLANK = re.compile(r"[(（][\s\u3000]*[)）]")
_CN = "一二三四五六七八九十"


# --- ground truth -------------------------------------------------------------------------------
def _half(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch)


def truth_row(chapter: str, category: str, title: str, choices: str, answers: str) -> dict:
    """The stored row as the question it means, with the defects a careful reader would report."""
    qtype = TYPES[category]
    stem = _NUMBER.sub("", title, count=1).strip()
    defects: list[str] = []
    pieces = [p for p in choices.split("**") if p.strip()]
    options: list[str] = []
    for i, piece in enumerate(pieces):
        m = _LEAD.match(piece)
        if not m or _half(m.group(1)) != LETTERS[len(options)]:
            defects.append("option_letters_out_of_order")
            options.append(piece.strip())
            continue
        text = piece[m.end() :].strip()
        nxt = LETTERS[len(options) + 1 : len(options) + 2]
        inner = [mm for mm in _INNER_MARKER.finditer(text) if nxt and _half(mm.group(1)) == nxt]
        following = pieces[i + 1] if i + 1 < len(pieces) else ""
        lead = _LEAD.match(following)
        if inner and not (lead and _half(lead.group(1)) == nxt):
            # "**A.甲B.乙C.丙": the options run together without the ** separator.
            defects.append("options_not_separated")
            rest = text
            for letter in LETTERS[len(options) + 1 :]:
                mm = next((x for x in _INNER_MARKER.finditer(rest) if _half(x.group(1)) == letter), None)
                if mm is None:
                    break
                options.append(rest[: mm.start()].strip())
                rest = rest[mm.end() :]
            options.append(rest.strip())
            continue
        options.append(text)
    answer = [LETTERS.index(_half(a)) for a in answers.strip().upper() if _half(a) in LETTERS]
    if qtype == "true_false":
        if list(options) != ["正确", "错误"]:
            defects.append("true_false_options")
        options = ["正确", "错误"]
    if any(a >= len(options) for a in answer):
        defects.append("answer_without_option")
    if qtype == "multiple" and len(answer) < 2:
        defects.append("multiple_with_one_answer")
    return {
        "chapter": chapter,
        "type": qtype,
        "title": title,
        "choices": choices,
        "answers": answers,
        "stem": stem,
        "options": options,
        "answer": answer,
        "defects": sorted(set(defects)),
    }


def mark_duplicates(rows: list[dict]) -> None:
    """A row repeating an earlier one (same type, stem, options) is a defect of the source: reported, not read."""
    seen: dict[tuple, int] = {}
    for i, r in enumerate(rows):
        key = (r["type"], canon(r["stem"]), tuple(canon(o) for o in r["options"]))
        if key in seen:
            r["defects"] = sorted({*r["defects"], f"duplicate_of_row_{seen[key] + 1}"})
        seen.setdefault(key, i)


def load_source(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        chapter, category, title, choices, answers = line.split("\t")
        title = title.replace("\\n", "\n")
        choices = TF_CHOICES if choices == "J" else choices
        rows.append(truth_row(chapter, category, title, choices, answers))
    mark_duplicates(rows)
    return rows


# --- the shapes people hand us ----------------------------------------------------------------
HEADER = ["章节", "试题类型", "题目内容", "题目选项", "题目答案"]


def table(rows: list[dict]) -> list[list[str]]:
    return [[f"第{int(r['chapter']) + 1}章", TYPE_ZH[r["type"]], r["title"], r["choices"], r["answers"]] for r in rows]


def write_xlsx(rows: list[dict], path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "题库"
    ws.append(HEADER)
    for line in table(rows):
        ws.append(line)
    wb.save(path)


def write_csv(rows: list[dict], path: Path) -> list[int]:
    """GBK as Excel saves it; returns the indices of rows with a character GBK cannot hold."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    lossy = []
    for i, line in enumerate(table(rows)):
        if any(_not_gbk(cell) for cell in line):
            lossy.append(i)
        writer.writerow(line)
    path.write_bytes(buf.getvalue().encode("gbk", errors="replace"))
    return lossy


def _not_gbk(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return True
    return False


def _wrap(text: str, width: int) -> list[str]:
    out = []
    for para in text.split("\n"):
        while len(para) > width:
            out.append(para[:width])
            para = para[width:]
        out.append(para)
    return out


def write_text(rows: list[dict], path: Path, title: str, width: int = 38, page_lines: int = 46) -> None:
    """A handbook copied out of a PDF: section per chapter and type, stems hard-wrapped, page footers."""
    lines = [title, ""]
    section = None
    n_section = 0
    for r in rows:
        key = (r["chapter"], r["type"])
        if key != section:
            section = key
            n_section += 1
            lines += ["", f"{_CN[(n_section - 1) % 10]}、{TYPE_ZH[r['type']]}（第{int(r['chapter']) + 1}章）"]
        lines += _wrap(r["title"], width)
        if r["type"] == "true_false":
            lines.append("答案：" + ("正确" if r["answers"].strip().upper() == "A" else "错误"))
        else:
            for piece in [p for p in r["choices"].split("**") if p.strip()]:
                lines += _wrap(piece.strip(), width)
            lines.append("答案：" + r["answers"].strip())
    out = []
    page = 1
    for i, line in enumerate(lines, 1):
        out.append(line)
        if i % page_lines == 0:
            out += ["", f"- {page} -", title, ""]
            page += 1
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def build(src: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    truth: dict[str, dict] = {}
    for path in sorted(src.glob("*.tsv")):
        rows = load_source(path)
        name = path.stem
        write_xlsx(rows, out / f"{name}.xlsx")
        lossy = write_csv(rows, out / f"{name}.csv")
        write_text(rows, out / f"{name}.txt", title=f"{name} 题库")
        truth[name] = {"rows": rows, "csv_lossy": lossy}
        defects = Counter(d for r in rows for d in r["defects"])
        print(f"{name}: {len(rows)} rows, defects {dict(defects) or '-'}, {len(lossy)} rows not encodable in GBK")
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")


# --- measuring ----------------------------------------------------------------------------------
def canon(text: str) -> str:
    """Stem comparison: width-folded, whitespace removed, every empty bracket the same."""
    text = unicodedata.normalize("NFKC", text)
    text = _BLANK.sub("()", text)
    return re.sub(r"\s+", "", text)


def _options(q) -> list[str]:
    return [canon(o) for o in q.options]


def compare(q, t: dict) -> str:
    if q.type.value != t["type"]:
        return f"type {q.type.value} ≠ {t['type']}"
    if canon(q.stem) != canon(t["stem"]):
        return f"stem {q.stem[:60]!r} ≠ {t['stem'][:60]!r}"
    if _options(q) != [canon(o) for o in t["options"]]:
        return f"options {list(q.options)} ≠ {t['options']}"
    if list(q.answer) != t["answer"]:
        return f"answer {list(q.answer)} ≠ {t['answer']}"
    return ""


def measure_file(path: Path, rows: list[dict], csv_lossy: list[int]) -> dict:
    result = read_questions(path.read_bytes(), filename=path.name)
    report = result.report
    questions = list(result.questions)
    # Align read questions to truth rows in order, by stem (rows not read are skipped over).
    matched: dict[int, object] = {}
    j = 0
    unaligned = []
    for q in questions:
        for k in range(j, min(j + 8, len(rows))):
            if k not in matched and canon(q.stem) == canon(rows[k]["stem"]):
                matched[k] = q
                j = k + 1
                break
        else:
            unaligned.append(q)
            if j < len(rows) and j not in matched:
                matched[j] = q
                j += 1
    right, wrong, defect_rows = 0, [], []
    for k, t in enumerate(rows):
        if k not in matched:
            continue
        why = compare(matched[k], t)
        if t["defects"] or (path.suffix == ".csv" and k in csv_lossy):
            defect_rows.append((k, why or "read as meant", t["defects"] or ["not_gbk"]))
        elif not why:
            right += 1
        else:
            wrong.append((k, why))
    not_matched = [k for k in range(len(rows)) if k not in matched]
    reasons = Counter(n.code for n in report.not_read)
    return {
        "file": path.name,
        "rows": len(rows),
        "read": len(questions),
        "reported": report.not_read_count,
        "reasons": dict(reasons),
        "right": right,
        "wrong": wrong,
        "defect_rows": defect_rows,
        "not_read_rows": [(k, rows[k]["defects"]) for k in not_matched],
        "balanced": report.balanced,
    }


def measure(out: Path, truth_path: Path | None) -> float:
    truth = json.loads((truth_path or out / "truth.json").read_text(encoding="utf-8"))
    totals = Counter()
    per_source: dict[str, Counter] = {}
    for name, entry in truth.items():
        rows = entry["rows"]
        for ext in (".xlsx", ".csv", ".txt"):
            path = out / f"{name}{ext}"
            if not path.exists():
                continue
            m = measure_file(path, rows, entry.get("csv_lossy", []))
            clean_rows = sum(1 for r in rows if not r["defects"])
            print(
                f"{m['file']:<22} rows {m['rows']:>5}  read {m['read']:>5}  reported {m['reported']:>4} "
                f"{m['reasons'] or ''}  right {m['right']:>5} ({100 * m['right'] / max(clean_rows, 1):.2f} % of "
                f"{clean_rows} defect-free rows)  wrong {len(m['wrong'])}  defect rows read {len(m['defect_rows'])}"
                f"  balanced {m['balanced']}"
            )
            for k, why in m["wrong"][:15]:
                print(f"    MISS row {k + 1}: {why}")
            for k, why, d in m["defect_rows"][:6]:
                print(f"    source defect row {k + 1} {d}: {why}")
            for k, _d in [x for x in m["not_read_rows"] if not x[1]][:10]:
                print(f"    NOT READ row {k + 1}: {rows[k]['title'][:50]!r}")
            for k, d in [x for x in m["not_read_rows"] if x[1]][:10]:
                print(f"    source defect row {k + 1} {d}: reported, not read")
            for counter in (totals, per_source.setdefault(name, Counter())):
                counter.update(rows=m["rows"], clean=clean_rows, read=m["read"], right=m["right"])
                counter.update(reported=m["reported"], wrong=len(m["wrong"]))
    for name, c in [*per_source.items(), ("TOTAL", totals)]:
        print(
            f"{name:<10} rows {c['rows']:>6} (defect-free {c['clean']}) read {c['read']} reported {c['reported']} "
            f"right {c['right']} = {100 * c['right'] / max(c['clean'], 1):.2f} % of defect-free rows, wrong {c['wrong']}"
        )
    return totals["right"] / max(totals["clean"], 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("src", type=Path)
    b.add_argument("out", type=Path)
    m = sub.add_parser("measure")
    m.add_argument("out", type=Path)
    m.add_argument("truth", type=Path, nargs="?")
    args = parser.parse_args(argv)
    if args.cmd == "build":
        build(args.src, args.out)
    else:
        measure(args.out, args.truth)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
