"""Roles: an identifier feeds only an identifier of the same entity; free text and numbers travel."""

from __future__ import annotations

import pytest

from magnet_graph.roles import classify, convertible, feeds, generic_sink, operand_role, shares_text


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


def test_what_someone_wrote_is_not_a_document_to_pass_on():
    tweet = classify("content", "", "string", function="get_tweet")
    assert tweet.kind == "text" and not feeds(tweet, classify("message", "", "string"), same_toolkit=False)
    assert feeds(classify("file_content", "", "string", function="cat"), classify("message", "", "string"), False)


def test_a_plain_number_beside_a_unit_or_a_currency_is_a_measure_or_an_amount():
    value = classify("value", "The value to convert", "number")
    assert operand_role(value, ["base_currency", "target_currency"]).kind == "amount"
    converter = operand_role(value, ["unit_in", "unit_out"])
    assert converter.kind == "measure"
    assert generic_sink(classify("distance", "", "number"), converter)  # any measure into a converter
    assert not generic_sink(classify("balance", "", "number"), converter)  # money is no unit
    assert operand_role(classify("a", "", "number"), ["b"]) == classify("a", "", "number")


def test_text_goes_across_toolkits_into_something_new_not_an_edit():
    assert shares_text("post_tweet") and shares_text("send_message") and shares_text("create_ticket")
    assert not shares_text("edit_ticket") and not shares_text("display_log")
    assert convertible("The distance between the two cities in km.") and not convertible("The fan speed, 0 to 100.")
