"""Reading quiz answers from requests (JSON from the page script, or a plain form post)."""

from __future__ import annotations

from typing import Any

from flask import Request
from werkzeug.datastructures import MultiDict

from app.errors import BadRequest
from app.models import Question
from app.services import quizzes


def answer_from_json(request: Request) -> Any:
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or "answer" not in data:
        raise BadRequest('Send JSON like {"answer": ...}.')
    return data["answer"]


def answer_from_form(question: Question, form: MultiDict) -> Any:
    if question.type == "multiple":
        return form.getlist("answer")
    if question.type == "order":
        positions = {}
        for key in quizzes.choice_texts(question):
            value = form.get(f"position-{key}", "")
            if not value.isdigit():
                raise BadRequest("Give every item a position number.")
            positions[key] = int(value)
        if sorted(positions.values()) != list(range(1, len(positions) + 1)):
            raise BadRequest("Use each position number exactly once.")
        return sorted(positions, key=positions.get)
    answer = form.get("answer")
    if answer is None or answer == "":
        raise BadRequest("Choose or enter an answer first.")
    return answer


def feedback_json(question: Question, feedback: quizzes.Feedback) -> dict:
    """The feedback as the page script gets it: no right answer or explanation until revealed."""
    body = {
        "correct": feedback.correct,
        "score": feedback.score,
        "attempts": feedback.attempts,
        "allowed": feedback.allowed,
        "remaining": feedback.remaining,
        "closed": feedback.closed,
        "revealed": feedback.revealed,
    }
    if feedback.revealed:
        texts = quizzes.choice_texts(question)
        body["explanation"] = str(feedback.explanation)
        body["right"] = [{"key": key, "text": texts[key]} for key in feedback.right_keys]
        body["right_number"] = feedback.right_number
    return body
