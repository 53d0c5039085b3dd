import pytest

from newskg.core.errors import MethodNotAllowedError, ProtocolError, UnsupportedMediaTypeError
from newskg.sparql.protocol import DescriptionRequest, QueryRequest, UpdateRequest, parse_request

FORM = "application/x-www-form-urlencoded"


def test_get_query_with_dataset_parameters():
    op = parse_request(
        "GET", None, "query=ASK%7B%7D&default-graph-uri=urn%3Aa&named-graph-uri=urn%3Ab&named-graph-uri=urn%3Ac", b""
    )
    assert isinstance(op, QueryRequest)
    assert op.query == "ASK{}"
    assert op.default_graphs == ["urn:a"] and op.named_graphs == ["urn:b", "urn:c"]


def test_get_without_query_asks_for_the_service_description():
    assert isinstance(parse_request("GET", None, "", b""), DescriptionRequest)


def test_two_query_parameters_are_rejected():
    with pytest.raises(ProtocolError):
        parse_request("GET", None, "query=ASK%7B%7D&query=ASK%7B%7D", b"")


def test_update_by_get_is_rejected():
    with pytest.raises(ProtocolError):
        parse_request("GET", None, "update=CLEAR%20ALL", b"")


def test_post_form_query_and_update():
    assert isinstance(parse_request("POST", FORM, "", b"query=ASK%7B%7D"), QueryRequest)
    op = parse_request("POST", FORM, "", b"update=CLEAR+DEFAULT&using-graph-uri=urn%3Ag")
    assert isinstance(op, UpdateRequest) and op.update == "CLEAR DEFAULT" and op.using_graphs == ["urn:g"]


def test_post_direct_bodies():
    assert parse_request("POST", "application/sparql-query", "", b"ASK {}").query == "ASK {}"
    assert parse_request("POST", "application/sparql-update; charset=utf-8", "", b"CLEAR ALL").update == "CLEAR ALL"


def test_post_with_text_plain_is_415():
    with pytest.raises(UnsupportedMediaTypeError):
        parse_request("POST", "text/plain", "", b"ASK {}")


def test_put_is_not_allowed():
    with pytest.raises(MethodNotAllowedError):
        parse_request("PUT", FORM, "", b"query=ASK%7B%7D")


def test_union_default_graph_and_timeout():
    op = parse_request("GET", None, "query=ASK%7B%7D&union-default-graph=true&timeout=2.5", b"")
    assert op.union_default_graph is True and op.timeout_s == 2.5
    with pytest.raises(ProtocolError):
        parse_request("GET", None, "query=ASK%7B%7D&timeout=soon", b"")
