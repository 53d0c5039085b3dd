"""The Service Description at GET /sparql and the VoID description at /.well-known/void."""

import pytest
import rdflib
from shipped_data import shipped_claim_count

SHIPPED_CLAIMS = shipped_claim_count()

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
NKG = rdflib.Namespace("https://w3id.org/newskg/ontology#")


@pytest.mark.parametrize(
    "accept, syntax",
    [("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")],
)
def test_service_description_by_accept(client, accept, syntax):
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=response.text, format=syntax)
    service = next(graph.subjects(rdflib.RDF.type, SD.Service))
    assert graph.value(service, SD.endpoint) == rdflib.URIRef("http://testserver/sparql")
    languages = set(graph.objects(service, SD.supportedLanguage))
    assert SD.SPARQL11Query in languages and SD.SPARQL11Update in languages  # the client fixture has a token
    formats = {str(f) for f in graph.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats and "http://www.w3.org/ns/formats/Turtle" in formats
    assert (service, NKG.allowedService, rdflib.URIRef("https://query.wikidata.org/sparql")) in graph


def test_service_description_with_nothing_acceptable_is_406(client):
    assert client.get("/sparql", headers={"Accept": "image/png"}).status_code == 406


def test_void_counts_the_dataset(client):
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    dataset = next(graph.subjects(VOID.classPartition, None))  # the whole dataset (its subsets are void:Datasets too)
    health = client.get("/health").json()
    assert int(graph.value(dataset, VOID.triples)) == health["triples"]
    partitions = {graph.value(p, VOID["class"]): int(graph.value(p, VOID.entities)) for p in graph.objects(dataset, VOID.classPartition)}
    assert partitions[NKG.Claim] == SHIPPED_CLAIMS
    linkset = next(graph.subjects(rdflib.RDF.type, VOID.Linkset))
    assert graph.value(linkset, VOID.linkPredicate) == NKG.wikidata
    links = client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) {{ ?s <{NKG.wikidata}> ?o }}"}).json()
    assert int(graph.value(linkset, VOID.triples)) == int(links["results"]["bindings"][0]["n"]["value"]) > 0
