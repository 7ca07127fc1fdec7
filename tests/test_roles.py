"""Roles: an identifier feeds only an identifier of the same entity; free text and numbers travel."""

from __future__ import annotations

import pytest

from magnet_graph.roles import classify, feeds


@pytest.mark.parametrize(
    ("name", "description", "json_type", "kind"),
    [
        ("ticket_id", "", "integer", "identifier"),
        ("product_ids", "Ids of the matching products.", "array", "identifier"),
        ("file_name", "", "string", "path"),
        ("current_directory_content", "A list of the contents of the directory.", "array", "path"),
        ("user_first_name", "", "string", "name"),
        ("comment_content", "", "string", "text"),
        ("budget_limit", "", "number", "amount"),
        ("lines", "Number of lines to display.", "integer", "count"),
        ("mode", "Mode of counting ('lines', 'words').", "string", "other"),
        ("password", "", "string", "secret"),
        ("login_status", "", "boolean", "flag"),
        ("a", "", "number", "number"),
        ("travel_date", "", "string", "datetime"),
        ("fanSpeed", "", "integer", "measure"),
    ],
)
def test_kind_from_name_description_and_type(name, description, json_type, kind):
    assert classify(name, description, json_type).kind == kind


def test_a_generic_id_takes_its_container_or_function():
    assert classify("id", "", "integer", container="matching_tweets").entity == {"tweet"}
    assert classify("id", "", "integer", function="get_order_details").entity == {"order"}


def test_identifiers_and_names_stay_with_their_entity():
    user_id = classify("user_id", "", "string")
    assert feeds(user_id, classify("receiver_id", "User ID of the user to send the message to.", "string"))
    assert not feeds(user_id, classify("user_first_name", "", "string"))  # an id is no name
    assert not feeds(user_id, classify("booking_id", "", "string"))  # another entity's id
    assert not feeds(classify("tweet_count", "", "integer"), classify("tweet_id", "", "integer"))  # a count is no id


def test_text_and_numbers_cross_toolkits_ids_do_not():
    text, body = classify("file_content", "", "string"), classify("message", "", "string")
    assert feeds(text, body, same_toolkit=False)
    assert feeds(classify("price", "", "number"), classify("a", "", "number"), same_toolkit=False)
    assert not feeds(classify("order_id", "", "string"), classify("order_id", "", "string"), same_toolkit=False)


def test_quantities_feed_the_same_quantity_only():
    speed = classify("currentSpeed", "", "number")
    assert feeds(speed, classify("speed", "", "number"))
    assert not feeds(speed, classify("fanSpeed", "", "integer"))
    assert feeds(classify("fuelLevel", "", "number"), classify("gallon", "", "number"))  # any level into a unit
