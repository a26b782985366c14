"""The ``tdkt`` command: knowledge-base administration, questions and evaluation.

Each subcommand is a thin layer over ``knowledge`` and ``retrieval``; the bot and the tests use
the same functions, so what works here works in Telegram.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings
from knowledge.coverage import percent
from knowledge.errors import KnowledgeError
from knowledge.model import STATUS_IN_FORCE, STATUS_LABELS
from knowledge.store import DocumentInfo, KnowledgeStore
from knowledge.sync import SyncReport, add_files, remove_document, sync_folder
from retrieval import awards, direct
from retrieval.answers import article_views
from retrieval.baseline import BASELINE_LABEL, BaselineSearch
from retrieval.conversation import Conversations, converse
from retrieval.engine import SearchEngine
from retrieval.evaluation import evaluate_split, format_summary, format_table, load_questions
from retrieval.params import DEFAULT_TECHNIQUES, Techniques, is_national
from retrieval.references import find_reference
from retrieval.text import tokenize
from retrieval.typos import typo_figures


def _store(settings: Settings) -> KnowledgeStore:
    return KnowledgeStore(settings.database_url)


EMPTY_KB = "Cơ sở tri thức trống. Nạp văn bản: tdkt kb sync THƯ_MỤC"


class EmptyKnowledgeBase(Exception):
    """Asking an empty knowledge base: every answer would be a false “not found”."""


def _engine(settings: Settings, store: KnowledgeStore | None = None) -> SearchEngine:
    """The search engine over the loaded knowledge base; refuses an empty one, where every
    question would get a misleading “not found” (a forgotten ``kb sync`` or a wrong URL)."""
    engine = SearchEngine(store or _store(settings), **settings.engine_options())
    if not len(engine.index):
        raise EmptyKnowledgeBase
    return engine


def _print_report(report: SyncReport) -> int:
    for line in report.lines():
        print(line)
    if report.held:
        print(
            "Các tệp “chưa nạp” ở trên có phần nội dung không đọc được. Kiểm tra lại tệp, "
            "hoặc chạy lại lệnh với --yes để vẫn nạp."
        )
    if report.changed:
        print(f"Cơ sở tri thức: phiên bản {report.version}.")
    elif not report.errors and not report.held:
        print("Không có thay đổi.")
    return 1 if report.errors or report.held else 0


def cmd_kb_sync(args: argparse.Namespace, settings: Settings) -> int:
    return _print_report(
        sync_folder(
            _store(settings), Path(args.folder), tokenize, accept_partial=args.yes, force=args.force
        )
    )


def cmd_kb_add(args: argparse.Namespace, settings: Settings) -> int:
    return _print_report(
        add_files(
            _store(settings), [Path(f) for f in args.files], tokenize, accept_partial=args.yes
        )
    )


def cmd_kb_remove(args: argparse.Namespace, settings: Settings) -> int:
    return _print_report(remove_document(_store(settings), args.number))


def cmd_kb_list(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    docs = store.documents(include_retired=args.all)
    if args.json:
        print(json.dumps([_document_json(d) for d in docs], ensure_ascii=False, indent=2))
        return 0
    if not docs:
        print(EMPTY_KB)
        return 0
    print(f"Phiên bản {store.current_version()}, {sum(d.active for d in docs)} văn bản đang dùng:")
    for d in docs:
        status = STATUS_LABELS.get(d.meta.status, d.meta.status)
        flag = "" if d.active else " [đã gỡ]"
        scope = f"; áp dụng: {d.meta.scope}" if d.meta.scope else ""
        read = f", đọc được {percent(d.coverage)}" if d.coverage is not None else ""
        print(
            f"- {d.meta.number}{flag}: {d.meta.title} — {status}{scope}; {d.units} điều/mục, "
            f"{d.passages} đoạn{read}; tệp {d.source_name}"
        )
    return 0


def _document_json(d: DocumentInfo) -> dict[str, object]:
    """One document of ``kb list --json``."""
    return {
        "number": d.meta.number,
        "title": d.meta.title,
        "kind": d.meta.kind,
        "status": d.meta.status,
        "issuer": d.meta.issuer,
        "scope": d.meta.scope,
        "replaces": list(d.meta.replaces),
        "units": d.units,
        "passages": d.passages,
        "coverage": None if d.coverage is None else round(d.coverage, 4),
        "file": d.source_name,
        "active": d.active,
    }


def cmd_kb_show(args: argparse.Namespace, settings: Settings) -> int:
    ref = find_reference(args.reference)
    label = ref.article if ref else args.reference.strip()
    number = args.doc or (ref.document if ref else None)
    views = article_views(_store(settings), label, number)
    if not views:
        print(f"Không tìm thấy “{args.reference}”" + (f" trong {number}" if number else "") + ".")
        return 1
    # Every part of the first document that has this label (its attached rules first), or
    # every document with --all.
    shown = views if args.all else [v for v in views if v.document_id == views[0].document_id]
    for v in shown:
        print(v.citation)
        if v.document.status != STATUS_IN_FORCE:
            print(f"({STATUS_LABELS.get(v.document.status, v.document.status)})")
        print()
        print(v.text)
        print()
    others = list(dict.fromkeys(v.document.number for v in views if v not in shown))
    if others:
        print(f"Cũng có điều/mục này trong: {', '.join(others)} (dùng --doc hoặc --all).")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    if args.question == "-":
        for line in sys.stdin:
            if line.strip():
                _answer(engine, line.strip(), args, settings.base_salary)
        return 0
    return _answer(engine, args.question, args, settings.base_salary)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """One conversation on the terminal: each stdin line is a message; follow-ups and several
    questions per message are read as the bot reads them (``retrieval.conversation``)."""
    engine = _engine(settings)
    memory = Conversations()
    for line in sys.stdin:
        message = line.strip()
        if not message:
            continue
        planned = converse(engine.index, memory, "tdkt-chat", message)
        if planned.small_talk:
            if args.json:
                print(
                    json.dumps(
                        {
                            "message": message,
                            "small_talk": planned.small_talk,
                            "query": message,
                            "answers": [],
                        },
                        ensure_ascii=False,
                    ),
                    flush=True,
                )
            else:
                print(
                    f"(lời chào/cảm ơn: {planned.small_talk}) — hãy gửi câu hỏi về thi đua, "
                    "khen thưởng.\n"
                )
            continue
        for n, part in enumerate(planned.parts, start=1):
            extra = {
                "message": message,
                "part": n,
                "of": len(planned.parts),
                "followup": part.followup,
                "alternative": part.alternative,
            }
            if not args.json:
                shown = f" (hiểu là câu hỏi tiếp theo: {part.question})" if part.followup else ""
                print(f"» {part.typed}{shown}")
            _answer(engine, part.question, args, settings.base_salary, extra)
    return 0


def _answer(
    engine: SearchEngine,
    question: str,
    args: argparse.Namespace,
    base_salary: Decimal | None = None,
    extra: dict[str, object] | None = None,
) -> int:
    index = engine.index
    result = index.ask(index.analyze(question), args.k)
    line = (
        direct.for_facet(awards.cards(index), result.facet, result.reading, base_salary)
        if result.facet is not None
        else None
    )
    if args.json:
        payload = {**(extra or {}), **result.to_json()}
        if line is not None:
            payload["direct"] = line.to_json()
        print(json.dumps(payload, ensure_ascii=False), flush=True)
        return 0
    if result.corrected:
        print(f"Có phải bạn hỏi: {result.corrected}")
    for note in result.notes:
        print(f"Lưu ý: {note}")
    if not result.answers:
        print(
            "Không tìm thấy quy định phù hợp trong cơ sở tri thức. Hãy diễn đạt lại câu hỏi "
            "(nêu rõ danh hiệu, hình thức khen thưởng hoặc thủ tục cần hỏi)."
        )
        return 0
    if result.weak:
        print("Không có quy định trả lời đúng câu hỏi; đây là các quy định gần nhất.")
    if line is not None:
        print(f"➤ {line.text}")
        print(f"  ({line.citation})")
        for explained in line.explanation():
            print(f"  {explained}")
        print()
    for a in result.answers:
        status = "" if a.document_status == STATUS_IN_FORCE else f" [{a.status_label}]"
        scope = (
            f" [{a.document_scope}]"
            if a.document_scope and not is_national(a.document_scope)
            else ""
        )
        print(f"{a.rank}. {a.citation}{status}{scope}  (điểm {a.score:.2f})")
        print(a.text)
        print()
    return 0


AWARD_SHOWN = 5
"""Provisions printed per facet by ``tdkt award NAME`` (``--json`` gives them all)."""


def cmd_award(args: argparse.Namespace, settings: Settings) -> int:
    """``tdkt award NAME``: an award's card; ``--list``: every award with a card."""
    engine = _engine(settings)
    index = engine.index
    found = awards.cards(index)
    if args.list:
        return _list_awards(found, args.json)
    name = " ".join(args.name or []).strip()
    if not name:
        print(
            'Hãy ghi tên danh hiệu, hình thức khen thưởng, ví dụ: tdkt award "Huân chương '
            'Lao động hạng Ba"; xem danh sách: tdkt award --list'
        )
        return 1
    lookup = awards.lookup(index, name)
    if lookup.card is None:
        closest = "; ".join(c.name for c in lookup.choices)
        if lookup.ranks:
            print(f"“{name}” có nhiều hạng; hãy ghi rõ hạng: {closest}.")
        else:
            print(
                f"Không tìm thấy danh hiệu, hình thức khen thưởng “{name}” trong cơ sở tri "
                "thức."
                + (f" Gần nhất: {closest}." if closest else " Xem danh sách: tdkt award --list.")
            )
        return 1
    card = lookup.card
    if args.json:
        print(json.dumps(card.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"{card.name} ({card.award_class or 'danh hiệu, hình thức khen thưởng'})")
    if card.aliases:
        print(f"Tên gọi khác: {', '.join(card.aliases)}")
    for spec in found.config.facets:
        items = card.provisions(spec.key)
        print()
        print(f"== {spec.label} ({len(items)} quy định)")
        if not items:
            print("Các văn bản đã nạp không có quy định riêng về mục này.")
            continue
        line = direct.direct_answer(found, card, spec.key, None, settings.base_salary)
        if line is not None:
            print(f"➤ {line.text} ({line.citation})")
            for explained in line.explanation():
                print(f"  {explained}")
        for n, p in enumerate(items[:AWARD_SHOWN], start=1):
            print(f"{n}. {p.citation}")
            if p.lead_in:
                print(f"   {p.lead_in}")
            print("   " + p.text.replace("\n\n", "\n").replace("\n", "\n   "))
        if len(items) > AWARD_SHOWN:
            print(f"… và {len(items) - AWARD_SHOWN} quy định khác (--json để xem đủ).")
    return 0


def _list_awards(found: awards.AwardCards, as_json: bool) -> int:
    cards = found.ordered()
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "award": c.name,
                        "class": c.award_class,
                        "aliases": list(c.aliases),
                        "facets": {f: len(items) for f, items in c.facets.items()},
                    }
                    for c in cards
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not cards:
        print("Cơ sở tri thức chưa có danh hiệu, hình thức khen thưởng nào.")
        return 0
    print(f"{len(cards)} danh hiệu, hình thức khen thưởng:")
    for c in cards:
        filled = len(c.filled)
        print(f"- {c.name} ({c.award_class or 'chưa rõ loại'}): {filled}/{len(c.facets)} mục")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    engine = _engine(settings, store)
    questions = load_questions(Path(args.file))
    results = evaluate_split(questions, engine.search, notes=lambda q: bool(engine.ask(q).notes))
    if args.typos:
        results.update(typo_figures(questions, engine.search, args.typos))
    if args.baseline or args.ablate:
        return _eval_compared(args, settings, store, questions, results)
    if args.json:
        print(
            json.dumps(
                {name: m.as_dict() for name, m in results.items()}, ensure_ascii=False, indent=2
            )
        )
        return 0
    print(format_summary(results))
    if args.verbose:
        for miss in results["all"].misses:
            print("  ", miss)
    return 0


def _eval_compared(
    args: argparse.Namespace,
    settings: Settings,
    store: KnowledgeStore,
    questions: list,
    results: dict,
) -> int:
    """``eval --baseline`` / ``--ablate``: the project's figures next to the plain rank-bm25
    baseline and/or with each retrieval technique switched off in turn."""
    systems: dict[str, dict] = {"tdkt": results}
    payload: dict[str, object] = {name: m.as_dict() for name, m in results.items()}
    if args.baseline:
        baseline = BaselineSearch(list(store.index_rows()))
        systems[BASELINE_LABEL] = evaluate_split(questions, baseline.search)
        payload["baseline"] = {n: m.as_dict() for n, m in systems[BASELINE_LABEL].items()}
    if args.ablate:
        ablation: dict[str, object] = {}
        for name in Techniques.names():
            ablated = SearchEngine(
                store, techniques=DEFAULT_TECHNIQUES.without(name), **settings.engine_options()
            )
            figures = evaluate_split(questions, lambda q, k, e=ablated: e.search(q, k))
            systems[f"tdkt − {name}"] = figures
            ablation[name] = {n: m.as_dict() for n, m in figures.items()}
        payload["ablation"] = ablation
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    print(format_table(systems))
    if args.verbose:
        for miss in results["all"].misses:
            print("  ", miss)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tdkt", description="Trợ lý tra cứu thi đua, khen thưởng (cơ sở tri thức, hỏi đáp)."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    kb = sub.add_parser("kb", help="quản trị cơ sở tri thức").add_subparsers(
        dest="kb_command", required=True
    )
    partial = "vẫn nạp tệp dù có phần nội dung không đọc được (dưới 97%%)"
    p = kb.add_parser("sync", help="đồng bộ với một thư mục văn bản")
    p.add_argument("folder")
    p.add_argument("-y", "--yes", action="store_true", help=partial)
    p.add_argument(
        "--force",
        action="store_true",
        help="khôi phục cả bản trong thư mục của văn bản đã được thay bằng cách khác "
        "(gửi qua Telegram, tdkt kb add) dù tệp không đổi",
    )
    p.set_defaults(func=cmd_kb_sync)
    p = kb.add_parser("add", help="thêm hoặc thay văn bản")
    p.add_argument("files", nargs="+")
    p.add_argument("-y", "--yes", action="store_true", help=partial)
    p.set_defaults(func=cmd_kb_add)
    p = kb.add_parser("list", help="liệt kê văn bản")
    p.add_argument("--all", action="store_true", help="kể cả văn bản đã gỡ")
    p.add_argument(
        "--json",
        action="store_true",
        help="số hiệu, tên, loại, hiệu lực, cơ quan ban hành, phạm vi, số điều/đoạn, "
        "tỉ lệ đọc được",
    )
    p.set_defaults(func=cmd_kb_list)
    p = kb.add_parser("remove", help="gỡ một văn bản theo số hiệu")
    p.add_argument("number")
    p.set_defaults(func=cmd_kb_remove)
    p = kb.add_parser("show", help='xem toàn văn một điều: tdkt kb show "điều 84"')
    p.add_argument("reference")
    p.add_argument("--doc", help="số hiệu văn bản, ví dụ 06/2022/QH15")
    p.add_argument("--all", action="store_true", help="in mọi văn bản có điều này")
    p.set_defaults(func=cmd_kb_show)

    p = sub.add_parser("ask", help="hỏi một câu (hoặc '-' để đọc từng dòng từ stdin)")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5, help="số kết quả (mặc định 5)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser(
        "chat",
        help="trò chuyện: mỗi dòng stdin là một tin nhắn (hỏi tiếp, nhiều câu hỏi trong một tin)",
    )
    p.add_argument("-k", type=int, default=5, help="số kết quả mỗi câu hỏi (mặc định 5)")
    p.add_argument("--json", action="store_true", help="mỗi câu hỏi một dòng JSON như ask --json")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser(
        "award",
        help="thẻ một danh hiệu, hình thức khen thưởng: tiêu chuẩn, "
        "thẩm quyền, hồ sơ, thời hạn, tiền thưởng, trao tặng",
    )
    p.add_argument(
        "name", nargs="*", help='tên, ví dụ "Huân chương Lao động hạng Ba", "bk ttg", "cstđcs"'
    )
    p.add_argument("--list", action="store_true", help="liệt kê mọi danh hiệu, hình thức có thẻ")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_award)

    p = sub.add_parser("eval", help="đo Recall@1, Recall@5, MRR trên tệp câu hỏi .jsonl")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="in các câu trả lời sai")
    p.add_argument(
        "--baseline",
        action="store_true",
        help="so với rank-bm25 thuần trên toàn văn điều (âm tiết, không mở rộng)",
    )
    p.add_argument(
        "--ablate",
        action="store_true",
        help="tắt lần lượt từng kỹ thuật (khôi phục dấu, viết tắt, đồng nghĩa, ...)",
    )
    p.add_argument(
        "--typos",
        type=int,
        default=0,
        metavar="N",
        help="thêm N bộ câu hỏi có một lỗi gõ (hạt giống 0..N-1) để đo độ bền",
    )
    p.set_defaults(func=cmd_eval)

    for register in _extensions():
        register(sub)
    return parser


def _extensions() -> list:
    """Subcommands defined next to the code they run (bot, bench, db)."""
    found = []
    for module in ("bot.run", "bot.bench_cli", "bot.db_cli"):
        try:
            imported = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        found.append(imported.register)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        return int(args.func(args, settings) or 0)
    except (KnowledgeError, ConfigError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    except EmptyKnowledgeBase:
        print(EMPTY_KB, file=sys.stderr)
        return 4
    except SQLAlchemyError as exc:
        reason = str(exc.orig) if getattr(exc, "orig", None) is not None else type(exc).__name__
        print(f"Lỗi cơ sở dữ liệu: {reason.splitlines()[0][:300]}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``tdkt ask … | head``): stop quietly, as the Python docs advise
        # (a note on SIGPIPE): point stdout at devnull so the exit flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
