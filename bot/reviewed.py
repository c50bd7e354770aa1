"""Questions an operator reviewed in the console: sample questions attached to a measure, and
examples of questions no document should answer.

The bot takes them as plain records through :meth:`bot.policybot.PolicyBot.review`; where they
are stored is the caller's business. A sample question joins its measure's sample questions
(keyword and dense search find the measure by it), and the same question asked again is
answered from that measure. An out-of-scope example is refused when it is asked again. "The
same question" is the same text after :func:`question_key`: width, case, traditional
characters, spaces and punctuation do not count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import zhconv

from ingest.queries import SampleQueries

CJK = re.compile(r"[\u3400-\u9fff]")


def question_key(text: str) -> str:
    """What two askings of the same question share: NFKC (full-width to half-width),
    simplified characters, case folded, without spaces, punctuation or control characters."""
    text = zhconv.convert(unicodedata.normalize("NFKC", text), "zh-cn").casefold()
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PZC")


@dataclass(frozen=True)
class SampleQuestion:
    """A question an operator attached to a measure.

    question: as the owner asked it. document: the id of the measure's document.
    measure: the measure's number in it.
    """

    question: str
    document: str
    measure: int


@dataclass(frozen=True)
class Reviewed:
    """The reviewed questions the bot applies.

    samples: sample questions attached to measures.
    out_of_scope: questions to refuse (as asked).
    """

    samples: tuple[SampleQuestion, ...] = ()
    out_of_scope: tuple[str, ...] = ()
    _measures: dict[str, int] = field(init=False, repr=False, compare=False)
    _refused: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Keyed once; the latest attachment of a question wins.
        object.__setattr__(self, "_measures",
                           {question_key(s.question): s.measure for s in self.samples})
        object.__setattr__(self, "_refused",
                           frozenset(question_key(q) for q in self.out_of_scope))

    def of(self, document: str) -> Reviewed:
        """The samples of one document's measures, with every out-of-scope example."""
        return Reviewed(tuple(s for s in self.samples if s.document == document),
                        self.out_of_scope)

    def measure(self, question: str) -> int | None:
        """The measure an operator attached this question to, or None (use on :meth:`of` one
        document)."""
        return self._measures.get(question_key(question))

    def refuses(self, question: str) -> bool:
        """True when an operator marked this question out of scope."""
        return question_key(question) in self._refused

    def queries(self, queries: dict[int, SampleQueries]) -> dict[int, SampleQueries]:
        """A document's sample questions with the attached ones added (use on :meth:`of` one
        document)."""
        merged = dict(queries)
        for sample in self.samples:
            known = merged.get(sample.measure, SampleQueries((), ()))
            if CJK.search(sample.question):
                merged[sample.measure] = SampleQueries((*known.zh, sample.question), known.en)
            else:
                merged[sample.measure] = SampleQueries(known.zh, (*known.en, sample.question))
        return merged
