"""One message answered from the library: the document it goes to, its needs, and an
outcome for each need (answered, partial or none).

message → needs → per need: (route | follow-up | keyword + dense search → fusion → scope
check → details asked) → Outcome; ``PolicyBot.ask`` turns the outcomes into an Answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.answer import AnswerComposer, greeting, is_thanks, refusal
from bot.details import Detail, asked_details, unstated
from bot.library import Library
from bot.needs import Need, goes_on_about
from bot.outcome import Outcome, standing
from bot.pipeline import Pipeline
from bot.query import Query
from bot.retrievers import Hit
from bot.router import Route
from bot.search import TOP_K, examine, search, with_first
from bot.sessions import Turn

# A partial answer points to the closest measures only.
MAX_RELATED = 2


def across(library: Library, among: list[str], text: str, previous: Turn | None
           ) -> tuple[Pipeline, Query, list[Need], list[Outcome], Query]:
    """Answer from the document the question goes to: the pipeline used, the query, the
    needs, their outcomes and the last need's query (see :func:`respond`).

    among: the documents in scope. A question searched in several documents is answered
    from the one that answers it most surely (the scope model's probability: cosine scores
    are close between documents without sample questions), an answer counting
    ANSWERED_EDGE surer than an answer in part (see :func:`bot.outcome.standing`); each
    outcome carries the document it was answered from.
    """
    first = library.pipelines[among[0]]
    asked = first.analyzer.run(text)
    choice = library.choose(text, asked.text, among)
    if choice.ask_which:
        which = Outcome("none", [], [], library.which(choice.ask_which, asked.lang),
                        first.document)
        return first, asked, [], [which], asked
    # A follow-up continues in the document of the turn before, unless it names what
    # another document is about ("企业注销找哪个部门" after a question on loan subsidies
    # names nothing of the subsidies' document, yet it is a new question).
    if previous and previous.document not in choice.documents:
        previous = None
    if previous and any(
            pipeline.follow_up.specific_words(pipeline.analyzer.run(text))
            for document, pipeline in library.pipelines.items()
            if document in choice.documents and document != previous.document):
        previous = None
    order = list(choice.documents)
    if previous:
        order = [previous.document, *(d for d in order if d != previous.document)]
    tried = []
    for document in order:
        pipeline = library.pipelines[document]
        query = asked if pipeline is first else pipeline.analyzer.run(text)
        earlier = previous if previous and previous.document == document else None
        needs, outcomes, last = respond(pipeline, query, earlier)
        tried.append((pipeline, query, needs, outcomes, last))
    pipeline, query, needs, outcomes, last = max(tried, key=lambda t: standing(t[3]))
    outcomes = [replace(o, document=pipeline.document) for o in outcomes]
    if len(needs) > 1 and len(outcomes) == len(needs):
        outcomes = [elsewhere(library, order, pipeline, need, o, query.lang)
                    for need, o in zip(needs, outcomes, strict=True)]
    return pipeline, query, needs, outcomes, last


def elsewhere(library: Library, order: list[str], pipeline: Pipeline, need: Need,
              outcome: Outcome, lang: str) -> Outcome:
    """A need of several that the message's document does not answer, answered from the
    first other document (in order) that does, unless outcome is a partial answer surer of
    the topic (see bot.outcome.ANSWERED_EDGE); else outcome when it is partial, else the
    first other partial outcome; else outcome.

    order: the documents in the order tried. pipeline: the message's document's.
    """
    if outcome.coverage == "answered":
        return outcome
    partial = outcome if outcome.coverage == "partial" else None
    for document in order:
        other = library.pipelines[document]
        if other is pipeline:
            continue
        found = resolve(other, other.analyzer.part(need.text, lang), need.question, None,
                        need)
        if found.coverage == "answered" and (
                partial is None or standing([found]) > standing([partial])):
            return replace(found, document=document)
        if found.coverage == "partial" and partial is None:
            partial = replace(found, document=document)
    return partial or outcome


def respond(pipeline: Pipeline, query: Query, previous: Turn | None
            ) -> tuple[list[Need], list[Outcome], Query]:
    """The needs of the message, an outcome for each (one outcome when the message is a
    single need or none), and the query of the last need (what a follow-up continues)."""
    if pipeline.scope.is_small_talk(query):
        text = greeting(query.lang, query.text)
        # Thanks get thanks back, whichever documents are loaded.
        stock = "" if is_thanks(query.text) else "greeting"
        return [], [Outcome("none", [], [], text, stock=stock)], query
    if pipeline.scope.is_not_ours(query) or pipeline.reviewed.refuses(query.original):
        refused = Outcome("none", [], search(pipeline, query), refusal(query.lang),
                          stock="refusal")
        return [], [refused], query
    if (attached := pipeline.reviewed.measure(query.original)) is not None:
        # An operator attached this message to a measure: that measure answers it.
        ranking = with_first(search(pipeline, query), (attached,))
        return [], [decided(pipeline, query, [attached], ranking, None, True, None)], query
    needs, instructed = pipeline.needs.run(query.text)
    # A plain one-need question is searched exactly as asked (resolve routes it).
    plain = len(needs) == 1 and not instructed and needs[0].text == query.text
    # Any other message that names its target (第21条, a department, a section) is
    # answered from the plan's structure as a whole, unless it carried instructions.
    route = None if instructed or plain else pipeline.router.run(query)
    if route:
        return needs, [routed(pipeline, route, query)], query
    if not needs:
        refused = Outcome("none", [], search(pipeline, query), refusal(query.lang),
                          stock="refusal")
        return needs, [refused], query
    several = len(needs) > 1
    outcomes, last = [], query

    def specific(text: str) -> set[str]:
        return set(pipeline.follow_up.specific_words(pipeline.analyzer.part(text, query.lang)))

    for i, need in enumerate(needs):
        # A detail asked of the topic of the need before it ("另外通过它最多能贷多少"), or
        # with no topic of its own in the documents ("那要带啥材料"), is asked about that need.
        before = needs[i - 1] if i and asked_details(need.question, pipeline.year) else None
        if before and goes_on_about(before, need, specific):
            last, outcome = asked_with(pipeline, before, need, query.lang)
        else:
            last = query if plain else pipeline.analyzer.part(need.text, query.lang)
            outcome = resolve(pipeline, last, need.question,
                              None if several else previous, need if several else None)
            if before and outcome.coverage == "none":
                last, outcome = asked_with(pipeline, before, need, query.lang)
        outcomes.append(outcome)
    return needs, outcomes, last


def asked_with(pipeline: Pipeline, before: Need, need: Need, lang: str
               ) -> tuple[Query, Outcome]:
    """A need searched together with the need before it, and its outcome."""
    query = pipeline.analyzer.part(f"{before.text}，{need.text}", lang)
    return query, resolve(pipeline, query, need.question, None, need)


def resolve(pipeline: Pipeline, query: Query, question: str, previous: Turn | None,
            need: Need | None) -> Outcome:
    """Answer one need: by the plan's structure, from the previous turn, or by search.

    question: the part of the need that asks (where the details asked for are read).
    need: the need, when it is one of several (a refusal then names it), else None.
    """
    composer = pipeline.composer
    if route := pipeline.router.run(query):
        return routed(pipeline, route, query)
    details = asked_details(question, pipeline.year)
    follow_up = pipeline.follow_up.run(query, previous)
    query = follow_up.query
    if follow_up.kind == "previous":
        measures = list(previous.measures)
        return decided(pipeline, query, measures, [Hit(n, 1.0) for n in measures],
                       unstated(details, composer.plan.measure(measures[0]).text), True, need,
                       details=details)
    found = examine(pipeline, query, details)
    if not found.measures or found.scope is None:
        return refused(composer, [], query.lang, need)
    # A detail the measures do not state makes the answer partial, not a refusal, as long
    # as the plan has the topic.
    return decided(pipeline, query, found.measures, found.fused, found.missing,
                   found.scope.in_scope, need, found.scope.probability, details=details)


def decided(pipeline: Pipeline, query: Query, measures: list[int],
            ranking: list[Hit], missing: Detail | None, in_scope: bool,
            need: Need | None, confidence: float = 1.0,
            details: Sequence[Detail] = ()) -> Outcome:
    """The outcome once the measures are chosen: none when out of scope, partial when a
    detail asked for is missing from them, else answered (confidence: P(in scope); details:
    those asked, which the measures then state)."""
    composer = pipeline.composer
    if not in_scope:
        return refused(composer, ranking, query.lang, need)
    if missing:
        related = measures[:MAX_RELATED]
        return Outcome("partial", related, ranking,
                       composer.partial_answer(missing, related, query.lang),
                       confidence=confidence)
    return Outcome("answered", measures, ranking,
                   composer.search_answer(query.keywords, measures, query.lang, details),
                   confidence=confidence)


def routed(pipeline: Pipeline, route: Route, query: Query) -> Outcome:
    """The outcome for a question the plan's structure answers; keyword search only fills
    the rest of the ranking."""
    composer = pipeline.composer
    measures = list(route.measures)
    ranking = with_first(pipeline.keyword.run(query, TOP_K), route.measures)
    if route.kind == "measure":
        text = composer.measure_answer(measures, query.lang)
    elif route.kind == "department":
        text = composer.department_answer(route.unit, measures, query.lang)
    else:
        text = composer.structure_answer(route.title, route.sections, query.lang)
    return Outcome("answered", measures, ranking, text)


def refused(composer: AnswerComposer, ranking: list[Hit], lang: str, need: Need | None
        ) -> Outcome:
    """The outcome of a need the document does not cover (need: None when it is the whole
    message, which then gets the stock refusal)."""
    return Outcome("none", [], ranking, composer.none_answer(lang, need),
                   stock="" if need else "refusal")
