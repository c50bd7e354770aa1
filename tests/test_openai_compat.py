"""The OpenAI-compatible endpoint, driven by the official openai client against a real server."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.conftest import Server

QUESTION = "企业注销找哪个部门？"
# The plan covers property registration but states no fee: a partial answer.
NEAR_MISS = "办理不动产登记要交多少钱？"


@pytest.fixture(scope="module")
def client(server: Server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="any", max_retries=0)


def ask(server: Server, question: str) -> dict:
    return httpx.post(f"{server.url}/api/v1/ask", json={"question": question}, timeout=30).json()


def test_completion_has_the_answer_and_its_citations(client: openai.OpenAI,
                                                     server: Server) -> None:
    completion = client.chat.completions.create(
        model="policybot", messages=[{"role": "system", "content": "Be brief."},
                                     {"role": "user", "content": QUESTION}])
    expected = ask(server, QUESTION)
    assert completion.model == "policybot" and completion.object == "chat.completion"
    [choice] = completion.choices
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    assert choice.message.content == expected["answer"]
    assert "第21条" in choice.message.content and "区市场监管局" in choice.message.content
    assert completion.model_extra["citations"] == expected["citations"]
    assert completion.model_extra["related"] == expected["related"]
    assert completion.model_extra["coverage"] == "answered"


def test_streamed_completion_joins_to_the_answer(client: openai.OpenAI, server: Server) -> None:
    chunks = list(client.chat.completions.create(
        model="policybot", messages=[{"role": "user", "content": QUESTION}], stream=True))
    assert len(chunks) > 3
    assert len({chunk.id for chunk in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c["measure"] for c in chunks[0].model_extra["citations"]] == [21]
    assert chunks[0].model_extra["coverage"] == "answered"
    assert chunks[0].model_extra["related"] == ask(server, QUESTION)["related"]
    assert chunks[-1].choices[0].finish_reason == "stop"
    content = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert "第21条" in content
    assert content == ask(server, QUESTION)["answer"]


def test_raw_stream_is_openai_chunks_ending_with_done(server: Server) -> None:
    body = {"model": "policybot", "stream": True,
            "messages": [{"role": "user", "content": [{"type": "text", "text": QUESTION}]}]}
    with httpx.stream("POST", f"{server.url}/v1/chat/completions", json=body,
                      timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        data = [line.removeprefix("data: ") for line in response.iter_lines()
                if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    chunks = [json.loads(item) for item in data[:-1]]
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    first_only = {"coverage", "citations", "related"}
    assert first_only <= set(chunks[0]) and all(not first_only & set(c) for c in chunks[1:])
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}


def test_partial_answer_carries_related_measures(client: openai.OpenAI,
                                                server: Server) -> None:
    messages = [{"role": "user", "content": NEAR_MISS}]
    expected = ask(server, NEAR_MISS)
    completion = client.chat.completions.create(model="policybot", messages=messages)
    assert completion.model_extra["coverage"] == "partial"
    assert completion.model_extra["citations"] == []
    related = completion.model_extra["related"]
    assert related and related == expected["related"]
    assert completion.choices[0].message.content.startswith("方案未写明")

    chunks = list(client.chat.completions.create(model="policybot", messages=messages,
                                                 stream=True))
    first = chunks[0].model_extra
    assert (first["coverage"], first["citations"], first["related"]) == (
        "partial", [], expected["related"])


@pytest.mark.parametrize(("earlier", "measures"), [
    (QUESTION, [21]), ("外籍人才办理工作许可找谁？", [86])])
def test_earlier_user_turns_are_the_session(client: openai.OpenAI, earlier: str,
                                            measures: list[int]) -> None:
    # A bare "which department?" is answered from the question before it.
    history = [{"role": "user", "content": earlier},
               {"role": "assistant", "content": "（上一轮的回答）"},
               {"role": "user", "content": "找哪个部门？"}]
    follow_up = client.chat.completions.create(model="policybot", messages=history)
    assert [c["measure"] for c in follow_up.model_extra["citations"]] == measures


def test_models_lists_policybot(client: openai.OpenAI) -> None:
    assert [model.id for model in client.models.list()] == ["policybot"]
    assert client.models.retrieve("policybot").owned_by == "policybot"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_unknown_model_is_an_openai_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4o",
                                       messages=[{"role": "user", "content": QUESTION}])
    assert caught.value.status_code == 404
    assert caught.value.body["code"] == "model_not_found"
    assert caught.value.body["param"] == "model"


@pytest.mark.parametrize("body", [
    {"model": "policybot", "messages": []},
    {"model": "policybot"},
    {"messages": [{"role": "user", "content": QUESTION}]},
    {"model": "policybot", "messages": [{"role": "robot", "content": QUESTION}]},
    {"model": "policybot", "messages": [{"role": "user", "content": 21}]},
    {"model": "policybot", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "http://example.invalid/a.png"}}]}]},
    {"model": "policybot", "messages": [{"role": "system", "content": "no question"}]},
    {"model": "policybot", "messages": [{"role": "user", "content": "   "}]},
    {"model": "policybot", "messages": [{"role": "user", "content": "问" * 501}]},
    "{not json"])
def test_bad_bodies_are_openai_400s(server: Server, body: dict | str) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    response = httpx.post(f"{server.url}/v1/chat/completions", content=content,
                          headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]


def test_client_raises_bad_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="policybot", messages=[])
    assert caught.value.body["param"] == "messages"
