"""Inline mode: "@bot câu hỏi" in any chat lists cited passages; choosing one posts it."""

from __future__ import annotations

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ChosenInlineResultHandler, ContextTypes, InlineQueryHandler

from bot.answers import inline_items
from bot.render import (
    clean_question,
    has_words,
    is_dossier_question,
    question_terms,
    render_item,
    status_line,
)
from bot.services import services
from handlers.common import NO_PREVIEW

MAX_RESULTS = 10


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    inline = update.inline_query
    assert inline is not None
    question, _ = clean_question(inline.query)
    if not has_words(question):
        await inline.answer([], cache_time=300, button=InlineQueryResultsButton(
            "Gõ câu hỏi về thi đua, khen thưởng…", start_parameter="help"))
        return
    svc = services(context)
    items = await svc.run(inline_items, svc.store, svc.engine, question, MAX_RESULTS)
    terms = question_terms(question)
    dossier = is_dossier_question(question)
    results = []
    for a in items[:MAX_RESULTS]:
        body, _ = render_item(a, terms, dossier=dossier, limit=3500)
        status = status_line(a.document_status)
        start = " ".join(a.text.split())
        description = (f"[{status[2:].strip()}] " if status else "") + start
        results.append(InlineQueryResultArticle(
            id=str(a.passage_id),
            title=a.citation[:200],
            description=description[:150],
            input_message_content=InputTextMessageContent(
                body, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW),
        ))
    button = None
    if not results:
        button = InlineQueryResultsButton("Không tìm thấy — mở trợ lý để hỏi lại",
                                          start_parameter="help")
    await inline.answer(results, cache_time=30, button=button)


async def on_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a question asked through inline mode once its result was actually posted."""
    chosen = update.chosen_inline_result
    assert chosen is not None
    svc = services(context)
    question, _ = clean_question(chosen.query)
    user_id = chosen.from_user.id

    def record() -> None:
        found = svc.engine.search(question, MAX_RESULTS)
        citation = next((a.citation for a in found if str(a.passage_id) == chosen.result_id),
                        None)
        svc.activity.record_question(user_id, "inline", question, answered=True,
                                     top_citation=citation, kb_version=svc.engine.index.version)

    await svc.run(record)


def handlers() -> list:
    return [InlineQueryHandler(on_inline_query), ChosenInlineResultHandler(on_chosen)]
