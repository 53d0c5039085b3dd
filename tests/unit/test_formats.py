import pytest

from newskg.core.errors import NotAcceptableError, UnsupportedMediaTypeError
from newskg.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS, format_for_media_type, format_for_path, negotiate


def test_no_accept_header_gives_the_first_format():
    assert negotiate(RESULT_FORMATS, None).media_type == "application/sparql-results+json"


def test_q_values_choose_the_preferred_format():
    accept = "application/sparql-results+json;q=0.5, text/csv;q=0.9, */*;q=0.1"
    assert negotiate(RESULT_FORMATS, accept).media_type == "text/csv"


def test_specific_range_beats_wildcard_with_q_zero():
    accept = "text/*, text/csv;q=0"
    assert negotiate(RESULT_FORMATS, accept).media_type == "text/tab-separated-values"


def test_select_with_turtle_accept_is_406():
    with pytest.raises(NotAcceptableError):
        negotiate(RESULT_FORMATS, "text/turtle")


def test_format_parameter_overrides_accept():
    assert negotiate(GRAPH_FORMATS, "text/turtle", "nt").media_type == "application/n-triples"
    assert negotiate(RESULT_FORMATS, "text/csv", "tsv").media_type == "text/tab-separated-values"


def test_unknown_format_parameter_is_406():
    with pytest.raises(NotAcceptableError):
        negotiate(RESULT_FORMATS, None, "png")


def test_graph_formats_by_accept():
    assert negotiate(GRAPH_FORMATS, "application/ld+json").names[0] == "jsonld"
    assert negotiate(GRAPH_FORMATS, "application/rdf+xml;q=1, text/turtle;q=0.2").names[0] == "rdfxml"


def test_input_syntax_by_extension_and_media_type():
    assert format_for_path("x.trig").name == "TriG"
    assert format_for_media_type("text/turtle; charset=utf-8").name == "Turtle"
    with pytest.raises(UnsupportedMediaTypeError):
        format_for_media_type("text/plain-ish")
    with pytest.raises(UnsupportedMediaTypeError):
        format_for_path("x.docx")


def test_repeated_or_listed_format_parameters_take_the_first_available():
    from newskg.sparql.protocol import parse_request

    request = parse_request("GET", None, "query=ASK%7B%7D&format=tsv&format=text%2Ftab-separated-values", b"")
    assert request.format == "tsv,text/tab-separated-values"
    assert negotiate(RESULT_FORMATS, None, request.format).media_type == "text/tab-separated-values"
    assert negotiate(GRAPH_FORMATS, None, "json-ld,application/ld+json,application/x-json+ld").media_type == (
        "application/ld+json")
    assert negotiate(GRAPH_FORMATS, None, "bogus,  ,n3").media_type == "text/turtle"
    assert parse_request("GET", None, "query=ASK%7B%7D&format=&format=%20", b"").format is None  # blanks: Accept decides


def test_a_long_list_of_unknown_formats_is_a_406_with_a_short_message():
    hostile = ",".join(["<script>", "'; DROP ALL", "\\u0000", "x" * 200] * 500)
    with pytest.raises(NotAcceptableError) as refused:
        negotiate(RESULT_FORMATS, None, hostile)
    assert refused.value.status == 406 and len(str(refused.value)) < 400
