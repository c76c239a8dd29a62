"""``ganwen bot``: the Telegram front end (python-telegram-bot v22) over the same engine as the
CLI.

Private chats: any text is a question. Groups (privacy mode on): ``/ask Q``, ``/ask@bot Q``,
messages that mention the bot and replies to the bot's messages; other chatter is ignored.
Inline mode lists answers from the top passages. Answers quote the question, stay in its forum
topic, and page through further passages with a "更多" button that edits the message; paging
reads the question back from the quoted message, so it keeps working across restarts.

Conversations: in a private chat each question continues the chat's conversation, so a follow-up
(那萍乡呢) is read against the question before it; in a group, a reply to one of the bot's answers
continues that answer's conversation, while a new /ask or mention starts afresh. Conversations
live in memory only, are forgotten after ``conversation_minutes`` idle, and at most
:data:`conversations.MAX_CONVERSATIONS` are kept. Inline queries always stand alone.

Documents: an admin adds an article by sending a .txt/.md/.html file (in a group, captioned
/add); it is saved into the corpus folder under a safe name and indexed incrementally, without
holding up other updates.

Feedback: 👍/👎 buttons under each answer append a record to ``feedback.jsonl`` beside the cache
(:mod:`bot.feedback`), without the voter's name or id.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlparse

from aiolimiter import AsyncLimiter
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from retrieval.engine import Engine
from retrieval.models import Response
from retrieval.question import QuestionError

from . import documents, feedback, webhook
from . import telegram_render as render
from .conversations import Memory, packed, unpacked
from .sending import PatientLimiter
from .settings import Settings
from .updates import MAX_CONCURRENT_UPDATES, ChatByChat, ReadingBot

log = logging.getLogger("ganwen.bot")

STATE = "ganwen"
ANSWER_PASSAGES = 12  # passages fetched per question: four pages of "更多"
INLINE_RESULTS = 5
MAX_LIMITERS = 1024  # per-user rate limiters kept before the drained ones are dropped
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_GRACE = 5.0  # seconds the updates in hand get to finish once the bot is told to stop
EXAMPLES = ("南康2020年投资完成多少", "赣州经开区医疗床位总数是多少", "萍乡企业上云多少家")
COMMANDS = (
    ("ask", "提问,例如 /ask 南康2020年投资完成多少"),
    ("help", "用法和示例问题"),
    ("about", "语料库:文章数、段落数、索引时间"),
    ("sources", "语料库中的文章"),
    ("start", "开始"),
)
MAX_SOURCES_LISTED = 60
FEEDBACK_PREFIX = "fb:"
VOTE_BUTTONS = (("👍", "up"), ("👎", "down"))


@dataclass(frozen=True, slots=True)
class Thread:
    """What one of the bot's answers was asked in (``asked``: to page it or record a vote on it
    as it was answered) and what a reply to it continues (``next``), both packed
    (:func:`conversations.packed`); ``asked`` is the very text the chat or the answer replied
    to holds, so it costs nothing more."""

    asked: str | None
    next: str


@dataclass
class BotState:
    engine: Engine
    settings: Settings
    limiters: dict[int, AsyncLimiter] = field(default_factory=dict)
    # (chat id, user id) of a private chat → its conversation, packed
    chats: Memory[str] = field(init=False)
    # (chat id, message id) of one of the bot's answers → its thread
    threads: Memory[Thread] = field(init=False)
    feedback_path: Path | None = None  # None: feedback.jsonl in the cache folder
    indexing: asyncio.Lock = field(default_factory=asyncio.Lock)  # one re-index at a time

    def __post_init__(self) -> None:
        ttl = self.settings.conversation_minutes * 60
        self.chats, self.threads = Memory(ttl), Memory(ttl)

    def set_clock(self, clock: Callable[[], float]) -> None:
        self.chats.clock = self.threads.clock = clock

    async def allow(self, user_id: int) -> bool:
        """Per-user rate limit: at most ``rate_limit`` questions per ``rate_period`` seconds.
        A user over it is told so at once rather than kept waiting."""
        s = self.settings
        if user_id not in self.limiters and len(self.limiters) >= MAX_LIMITERS:
            self._forget_idle_users()
        limiter = self.limiters.setdefault(user_id, AsyncLimiter(s.rate_limit, s.rate_period))
        if not limiter.has_capacity():
            return False
        await limiter.acquire()  # returns at once: there is capacity
        return True

    def _forget_idle_users(self) -> None:
        """Drop the limiters that have drained (their users asked nothing within the period):
        they hold no state a new one would not. What is left is at most the users who asked
        within one period."""
        for user_id, limiter in list(self.limiters.items()):
            if limiter.has_capacity(limiter.max_rate):
                del self.limiters[user_id]


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    return state_of(context.application)


def state_of(app: Application) -> BotState:
    return app.bot_data[STATE]


def say(key: str, **fields: object) -> str:
    """One of the bot's fixed texts (:data:`telegram_render.TEXTS`), in simplified script: these
    replies have no answer whose script they could follow."""
    return render.TEXTS["simplified"][key].format(**fields)


# --- reading questions ---------------------------------------------------------------------

def question_of(message: Message, bot_username: str) -> str:
    """The question in a message: without its leading /command and without @bot mentions."""
    text = message.text or ""
    entities = message.parse_entities([MessageEntity.BOT_COMMAND, MessageEntity.MENTION])
    for entity, value in sorted(entities.items(), key=lambda e: -e[0].offset):
        is_command = entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0
        if is_command or value.lower() == f"@{bot_username}".lower():
            start = _py_offset(text, entity.offset)
            text = text[:start] + " " + text[start + len(value):]
    return " ".join(text.split())


def _py_offset(text: str, utf16_offset: int) -> int:
    """Telegram counts UTF-16 code units; Python counts code points."""
    units = 0
    for i, ch in enumerate(text):
        if units >= utf16_offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def addresses_bot(message: Message, bot_id: int, bot_username: str) -> bool:
    """In a group: a message that mentions the bot or replies to one of its messages."""
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot_id:
        return True
    for entity, value in message.parse_entities(
            [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if value.lower() == f"@{bot_username}".lower():
            return True
        if entity.user is not None and entity.user.id == bot_id:
            return True
    return False


# --- answering -----------------------------------------------------------------------------

async def answer(message: Message, question: str, context: ContextTypes.DEFAULT_TYPE) -> None:
    st = state(context)
    if not question:
        await message.reply_text(say("empty", example=EXAMPLES[0]), do_quote=True)
        return
    if len(question) > st.settings.max_question_chars:
        await message.reply_text(
            say("too_long", n=len(question), max=st.settings.max_question_chars),
            do_quote=True)
        return
    user = message.from_user
    if user is not None and not await st.allow(user.id):
        await message.reply_text(say("rate"), do_quote=True)
        return
    chat_key = _chat_key(message)
    asked = _continued(message, st, context.bot.id)
    try:
        response = st.engine.ask(question, k=ANSWER_PASSAGES, context=unpacked(asked))
    except QuestionError as exc:
        await message.reply_text(str(exc), do_quote=True)
        return
    thread = Thread(asked, packed(response.context))
    if chat_key is not None:
        st.chats.put(chat_key, thread.next)
    if response.answer is None and not response.passages:
        sent = await message.reply_html(render.no_answer_message(response, EXAMPLES[:2]),
                                        do_quote=True)
        st.threads.put((sent.chat_id, sent.message_id), thread)
        return
    messages = render.answer_messages(response)
    for n, text in enumerate(messages):
        last = n == len(messages) - 1
        sent = await message.reply_html(text, do_quote=True,
                                        reply_markup=keyboard(response, 0) if last else None)
        st.threads.put((sent.chat_id, sent.message_id), thread)


def _chat_key(message: Message) -> tuple[int, int] | None:
    """The conversation of a private chat: one per (chat, user). Groups have none of their own."""
    user = message.from_user
    if message.chat.type != ChatType.PRIVATE or user is None:
        return None
    return message.chat_id, user.id


def _continued(message: Message, st: BotState, bot_id: int) -> str | None:
    """The conversation a question continues: a reply to one of the bot's answers continues that
    answer's; otherwise, in a private chat, the chat's; in a group, none (a fresh one)."""
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot_id:
        thread = st.threads.get((reply.chat_id, reply.message_id))
        if thread is not None:
            return thread.next
    key = _chat_key(message)
    return st.chats.get(key) if key is not None else None


def keyboard(response: Response, page: int) -> InlineKeyboardMarkup:
    """The paging buttons of :func:`telegram_render.keyboard` and a row of 👍/👎."""
    paging = render.keyboard(response, page)
    rows = [list(row) for row in paging.inline_keyboard] if paging else []
    rows.append([InlineKeyboardButton(label, callback_data=FEEDBACK_PREFIX + vote)
                 for label, vote in VOTE_BUTTONS])
    return InlineKeyboardMarkup(rows)


# The handlers are registered for one kind of update each (build_application), so the field
# they read is set; a handler given anything else has nothing to answer and returns.

async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is None:
        return
    await answer(message, question_of(message, context.bot.username), context)


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is not None and addresses_bot(message, context.bot.id, context.bot.username):
        await answer(message, question_of(message, context.bot.username), context)


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is None:
        return
    await answer(message, question_of(message, context.bot.username), context)


async def on_more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    page = render.parse_page(query.data)
    again = _ask_again(query, context) if page is not None else None
    if page is None or again is None:
        await query.answer(say("gone"))
        return
    _, response = again
    page = min(page, render.pages(response) - 1)
    await query.answer()
    await query.edit_message_text(render.answer_messages(response, page)[0],
                                  parse_mode=ParseMode.HTML,
                                  reply_markup=keyboard(response, page))


def _ask_again(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE
               ) -> tuple[Message, Response] | None:
    """The question a button's answer quotes, and that answer: asked again, in the conversation
    it was asked in while that is remembered. None when there is nothing to show any more (a
    message too old for the bot to see quotes nothing; the question was edited into one ganwen
    refuses, or that now has no answer)."""
    answered = query.message if isinstance(query.message, Message) else None
    asked = answered.reply_to_message if answered is not None else None
    if answered is None or asked is None or not asked.text:
        return None
    st = state(context)
    thread = st.threads.get((answered.chat_id, answered.message_id))
    try:
        response = st.engine.ask(question_of(asked, context.bot.username), k=ANSWER_PASSAGES,
                                 context=unpacked(thread.asked) if thread is not None else None)
    except QuestionError:
        return None
    return (asked, response) if response.answer is not None or response.passages else None


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A 👍/👎 under an answer: one line in the feedback file and a short thank-you toast."""
    query = update.callback_query
    if query is None:
        return
    vote = (query.data or "").removeprefix(FEEDBACK_PREFIX)
    again = _ask_again(query, context) if vote in feedback.VOTES else None
    if again is None:
        await query.answer(say("gone"))
        return
    asked, response = again
    path = state(context).feedback_path or feedback.feedback_file()
    await asyncio.to_thread(feedback.record, path, question_of(asked, context.bot.username),
                            response, vote)
    await query.answer(render.labels(response)["thanks"])


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    if query is None:
        return
    text = " ".join(query.query.split())
    results = []
    if text and len(text) <= state(context).settings.max_question_chars:
        results = render.inline_results(state(context).engine.ask_each(text, INLINE_RESULTS))
    await query.answer(results, cache_time=60, is_personal=False)


# --- commands --------------------------------------------------------------------------------

async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is None:
        return
    await message.reply_text(say("start") + "\n\n" + _help(context))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is None:
        return
    await message.reply_text(_help(context))


def _help(context: ContextTypes.DEFAULT_TYPE) -> str:
    return "\n".join([say("help", bot=context.bot.username), *(f"• {e}" for e in EXAMPLES)])


async def on_about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is None:
        return
    s = state(context).engine.index.stats
    await message.reply_text(say(
        "about", files=s.files, articles=s.articles, passages=s.passages, when=s.indexed_at))


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is None:
        return
    index = state(context).engine.index
    listed = itertools.islice(index.iter_articles(), MAX_SOURCES_LISTED)
    lines = [f"• {render.esc(render.source_line(a))}" for a in listed]
    if index.stats.articles > MAX_SOURCES_LISTED:
        lines.append(say("sources_more", n=index.stats.articles - MAX_SOURCES_LISTED))
    for text in render._pack(lines, render.MAX_MESSAGE):
        await message.reply_html(text)


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is None:
        return
    st = state(context)
    user = update.effective_user
    if user is None or user.id not in st.settings.admin_user_ids:
        await message.reply_text(say("not_admin"), do_quote=True)
        return
    await message.reply_text(say("reloading"))
    # Indexing a large folder takes a while: off the event loop, so the bot keeps answering.
    async with st.indexing:
        st.engine = await asyncio.to_thread(st.engine.reload, lambda m: log.info("%s", m))
    s = st.engine.index.stats
    await message.reply_text(say("reloaded", articles=s.articles, passages=s.passages))


ADD_CAPTION = r"^/add(@\w+)?(\s|$)"


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file from an admin: saved into the corpus folder and indexed (registered with
    ``block=False``: other updates are answered meanwhile)."""
    message = update.message
    if message is None or message.document is None:
        return
    caption = message.caption or ""
    if caption.startswith("/add@") and not caption.split()[0].lower().endswith(
            "@" + context.bot.username.lower()):
        return  # /add for another bot
    st = state(context)
    user = message.from_user
    if user is None or user.id not in st.settings.admin_user_ids:
        await message.reply_text(say("doc_not_admin"), do_quote=True)
        return
    doc = message.document
    name = doc.file_name or "article.txt"
    try:
        documents.check(name, doc.file_size)
        data = bytes(await (await doc.get_file()).download_as_bytearray())
        documents.check(name, len(data))
        text = documents.decode(data)
        await message.reply_text(say("doc_adding", name=name), do_quote=True)
        async with st.indexing:
            before = st.engine.index.stats
            path = await asyncio.to_thread(documents.save, st.engine.corpus, name, text)
            st.engine = await asyncio.to_thread(st.engine.reload, lambda m: log.info("%s", m))
    except documents.DocumentError as exc:
        await message.reply_text(say(exc.key, **exc.fields), do_quote=True)
        return
    after = st.engine.index.stats
    log.info("added %s to the corpus", path)
    lines = [say("doc_added", name=path.name, articles=after.articles - before.articles,
                 passages=after.passages - before.passages)]
    relative = path.relative_to(st.engine.corpus.resolve()).as_posix()
    example = await asyncio.to_thread(documents.example_question, st.engine, relative,
                                      text)
    if example:
        lines.append(say("doc_example", q=example))
    await message.reply_text("\n".join(lines), do_quote=True)


# --- access, errors, start-up -------------------------------------------------------------------

async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop updates from chats and users outside the allow-lists, before any handler."""
    s = state(context).settings
    if not (s.allowed_chat_ids or s.allowed_user_ids):
        return
    chat, user = update.effective_chat, update.effective_user
    if (chat is not None and chat.id in s.allowed_chat_ids) or (
            user is not None and (user.id in s.allowed_user_ids or user.id in s.admin_user_ids)):
        return
    log.info("ignored an update from chat %s user %s (not allowed)",
             chat.id if chat else None, user.id if user else None)
    raise ApplicationHandlerStop


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    if isinstance(context.error, NetworkError | RetryAfter):
        # The Bot API down, a 5xx, a timeout, a flood wait beyond the patience of
        # bot.sending: expected now and then; one line, no traceback.
        log.warning("Bot API error: %s", context.error)
    else:
        log.error("update failed: %s", context.error, exc_info=context.error)
    message = update.effective_message if isinstance(update, Update) else None
    if message is not None:
        try:
            await message.reply_text(say("apology"))
        except Exception as exc:  # the Bot API may still be down: the log above says enough
            log.warning("could not send the apology: %s", exc)


async def post_init(app: Application) -> None:
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
    log.info("ganwen bot @%s serving %s passages", app.bot.username,
             app.bot_data[STATE].engine.index.stats.passages)


class ApiUrls(TypedDict, total=False):
    """:class:`telegram.Bot`'s keyword arguments (and builder methods) for a self-hosted Bot API."""

    base_url: str
    base_file_url: str


def _api_urls(settings: Settings) -> ApiUrls:
    if not settings.api_base_url:
        return {}
    base = settings.api_base_url.rstrip("/")
    return {"base_url": base, "base_file_url": base.removesuffix("/bot") + "/file/bot"}


async def check_api(settings: Settings) -> str:
    """One getMe before serving, so a rejected token or an unreachable Bot API is one clear
    error (InvalidToken, NetworkError) instead of python-telegram-bot's bootstrap traceback."""
    async with Bot(settings.require_token(), **_api_urls(settings)) as bot:
        return bot.username


def build_application(settings: Settings, engine: Engine) -> Application:
    bot = ReadingBot(
        settings.require_token(), **_api_urls(settings),
        request=HTTPXRequest(connection_pool_size=MAX_CONCURRENT_UPDATES),
        get_updates_request=HTTPXRequest(),
        rate_limiter=PatientLimiter(overall_max_rate=settings.send_rate),
    )
    app = Application.builder().bot(bot).concurrent_updates(ChatByChat()).build()
    app.bot_data[STATE] = BotState(engine=engine, settings=settings)
    message = filters.UpdateType.MESSAGE
    app.add_handler(TypeHandler(Update, gate), group=-1)
    app.add_handlers([
        CommandHandler("start", on_start, filters=message),
        CommandHandler("help", on_help, filters=message),
        CommandHandler("about", on_about, filters=message),
        CommandHandler("sources", on_sources, filters=message),
        # Re-indexing takes a while: block=False lets other updates be answered meanwhile (the
        # indexing lock keeps two re-indexings from running at once).
        CommandHandler("reload", on_reload, filters=message, block=False),
        CommandHandler("ask", on_ask, filters=message),
        MessageHandler(message & filters.Document.ALL & (
            filters.ChatType.PRIVATE | filters.CaptionRegex(ADD_CAPTION)), on_document,
            block=False),
        MessageHandler(message & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
                       on_private_text),
        MessageHandler(message & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND,
                       on_group_text),
        CallbackQueryHandler(on_more, pattern=f"^{render.MORE_PREFIX}"),
        CallbackQueryHandler(on_feedback, pattern=f"^{FEEDBACK_PREFIX}"),
        InlineQueryHandler(on_inline),
    ])
    app.add_error_handler(on_error)
    return app


def webhook_secret(settings: Settings) -> str:
    return (settings.webhook_secret.get_secret_value() if settings.webhook_secret
            else secrets.token_urlsafe(32))


def run(settings: Settings, engine: Engine) -> None:
    """Serve until SIGINT/SIGTERM: long polling, or a webhook when a webhook URL is set."""
    log.info("Bot API answers as @%s", asyncio.run(check_api(settings)))
    asyncio.run(serve(build_application(settings, engine)))


def _polling_failed(error: TelegramError) -> None:
    """A failed getUpdates (the Bot API down, a 5xx): python-telegram-bot polls again, with
    growing pauses; one line instead of its traceback."""
    log.warning("Bot API error while polling: %s", error)


async def serve(app: Application, stop: asyncio.Event | None = None) -> None:
    """Run ``app`` until ``stop`` is set (by default: until SIGINT or SIGTERM), then stop within
    seconds whatever the Bot API is doing: sends stop waiting out 429s and 5xx, and the updates
    in hand get :data:`STOP_GRACE` seconds."""
    settings = state_of(app).settings
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        await _serve(app, settings, stop)
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


async def _serve(app: Application, settings: Settings, stop: asyncio.Event) -> None:
    hook = None
    async with app:
        await post_init(app)
        if settings.webhook_url:
            secret = webhook_secret(settings)
            hook = webhook.WebhookServer(app, urlparse(settings.webhook_url).path, secret)
            hook.start(settings.webhook_listen, settings.webhook_port)
            await app.bot.set_webhook(settings.webhook_url, secret_token=secret,
                                      allowed_updates=Update.ALL_TYPES)
        elif app.updater is not None:
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES,
                                            error_callback=_polling_failed)
        await app.start()
        await stop.wait()
        log.info("stopping")
        if isinstance(app.bot.rate_limiter, PatientLimiter):
            app.bot.rate_limiter.stop()
        if hook is not None:
            await hook.stop()
        elif app.updater is not None:
            await app.updater.stop()
        try:
            await asyncio.wait_for(app.stop(), STOP_GRACE)
        except TimeoutError:
            log.warning("stopped without finishing the updates in hand")
