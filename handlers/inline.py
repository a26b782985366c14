"""Inline mode: "@bot câu hỏi" in any chat lists cited passages; choosing one posts it."""

from __future__ import annotations

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.ext import BaseHandler, ChosenInlineResultHandler, InlineQueryHandler

from handlers.commands import Command
from handlers.context import BotContext
from handlers.render import question_terms, render_card_overview, render_item
from knowledge.citation import status_line
from retrieval import card_answers
from retrieval.answers import inline_items
from retrieval.question import clean_question, has_words

COMMANDS: tuple[Command, ...] = ()
"""Inline mode has no command: "@bot câu hỏi" in any chat."""

MAX_RESULTS = 10
CARD_RESULT = "card-"
"""Result id prefix of an award card's overview (the others are passage ids)."""
CARD_DESCRIPTION = "Tiêu chuẩn, thẩm quyền, hồ sơ, thời hạn, tiền thưởng, trao tặng — trích dẫn"


async def list_inline_answers(update: Update, context: BotContext) -> None:
    inline = update.inline_query
    assert inline is not None
    question, _ = clean_question(inline.query)
    if not has_words(question):
        await inline.answer(
            [],
            cache_time=300,
            button=InlineQueryResultsButton(
                "Gõ câu hỏi về thi đua, khen thưởng…", start_parameter="help"
            ),
        )
        return
    svc = context.services
    found = await svc.run(inline_items, svc.engine, question, MAX_RESULTS, svc.base_salary)
    terms = question_terms(question)
    results = []
    if found.card is not None:  # the award the query names: its whole card first
        results.append(
            InlineQueryResultArticle(
                id=f"{CARD_RESULT}{found.card.award}",
                title=f"🎖 Thẻ: {found.card.award_name}"[:200],
                description=CARD_DESCRIPTION,
                input_message_content=InputTextMessageContent(render_card_overview(found.card)),
            )
        )
    for a in found.items[: MAX_RESULTS - len(results)]:
        body, _ = render_item(a, terms, dossier=found.checklist, limit=3500)
        status = status_line(a.document_status)
        start = " ".join(a.text.split())
        description = (f"[{status[2:].strip()}] " if status else "") + start
        results.append(
            InlineQueryResultArticle(
                id=str(a.passage_id),
                title=a.citation[:200],
                description=description[:150],
                input_message_content=InputTextMessageContent(body),
            )
        )
    button = None
    if not results:
        button = InlineQueryResultsButton(
            "Không tìm thấy — mở trợ lý để hỏi lại", start_parameter="help"
        )
    await inline.answer(results, cache_time=30, button=button)


async def log_inline_choice(update: Update, context: BotContext) -> None:
    """Log a question asked through inline mode once its result was actually posted."""
    chosen = update.chosen_inline_result
    assert chosen is not None
    svc = context.services
    question, _ = clean_question(chosen.query)
    user_id = chosen.from_user.id

    def record() -> None:
        if chosen.result_id.startswith(CARD_RESULT):  # an award card: no search to repeat
            citation = card_answers.card_name(svc.engine, chosen.result_id[len(CARD_RESULT) :])
        else:
            found = svc.engine.search(question, MAX_RESULTS)
            citation = next(
                (a.citation for a in found if str(a.passage_id) == chosen.result_id), None
            )
        svc.activity.record_question(
            user_id,
            "inline",
            question,
            answered=True,
            top_citation=citation,
            kb_version=svc.engine.index.version,
        )

    await svc.run(record)


def handlers() -> list[BaseHandler]:
    return [InlineQueryHandler(list_inline_answers), ChosenInlineResultHandler(log_inline_choice)]
