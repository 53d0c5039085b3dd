"""GET /search over a remote store (Virtuoso): there is no text index there, and the answer says so."""


def test_search_over_a_remote_store_is_501_naming_the_missing_text_index(remote_client):
    response = remote_client.get("/search", params={"q": "terrorist", "lang": "nl"})
    assert response.status_code == 501
    body = response.json()
    assert body["error"] == "Not implemented" and "remote" in body["message"] and "text index" in body["message"]
    page = remote_client.get("/search", params={"q": "terrorist"}, headers={"Accept": "text/html"})
    assert page.status_code == 501 and "text index" in page.text
    assert 'class="site-search"' in page.text
