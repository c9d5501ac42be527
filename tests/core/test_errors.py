"""Routes document their errors from the error classes they raise."""

from __future__ import annotations

from typing import ClassVar

from package.core.errors import BadRequest, Forbidden, NotFound, documented


class WidgetNotFound(NotFound):
    description: ClassVar[str] = "No such widget."


def test_documented_uses_each_class_status_and_description():
    assert documented(Forbidden, WidgetNotFound) == {
        403: {"description": Forbidden.description},
        404: {"description": "No such widget."},
    }


def test_descriptions_of_one_status_are_joined_once_each():
    responses = documented(BadRequest, WidgetNotFound, NotFound, WidgetNotFound)
    assert responses[404] == {"description": f"No such widget. {NotFound.description}"}
    assert list(responses) == [400, 404]


def test_subclasses_keep_the_base_code_and_status():
    error = WidgetNotFound("gone")
    assert (error.status_code, error.code) == (404, "not_found")
