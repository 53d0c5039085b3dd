"""An article from its text and metadata: the article resource, its publisher (found or new) and its date."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pyoxigraph as ox

from newskg.core import vocab
from newskg.core.errors import ConflictError, IngestError
from newskg.sparql import terms
from newskg.ingest import actors
from newskg.ingest.draft import LABEL, RDF_TYPE, Draft, add_timespec, nkg, parse_range, typed

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_ID_IN_URL = re.compile(r"(\d{5,})")  # an article number; shorter runs are years or figures ("ruim-5000")
SCHEMA_URL = ox.NamedNode(vocab.SCHEMA + "url")
MAX_TITLE_CHARS = 1000


@dataclass
class ArticleFields:
    """What `newskg article add` and POST /articles take: the text (exact bytes) and its metadata. Without a text
    (None), the article is a report cited by its address: its title is our own label, not its headline."""

    text: bytes | None
    url: str
    title: str
    publisher: str
    date: str
    lang: str


def _article_slug(url: str, publisher_iri: str) -> str:
    found = _ID_IN_URL.findall(ox.NamedNode(url).value.split("?", 1)[0])
    key = max(reversed(found), key=len) if found else hashlib.sha256(url.encode()).hexdigest()[:10]
    return f"{publisher_iri.rsplit('/', 1)[-1]}-{key}"


def _check(fields: ArticleFields) -> tuple[str, Draft]:
    """The text decoded (exactly), and a draft holding the problems of the fields."""
    draft = Draft()
    text = ""
    if fields.text is not None:
        try:
            text = fields.text.decode("utf-8")
        except UnicodeDecodeError as exc:
            draft.error(f"the text is not UTF-8 (byte {exc.start}): save it as UTF-8", column="text")
        if not text.strip() and not draft.errors:
            draft.error("the text is empty", column="text")
    if not terms.is_iri(fields.url) or not fields.url.lower().startswith(("http://", "https://")):
        draft.error(f"{fields.url[:200]!r} is not an http(s) URL", column="url")
    if not fields.title.strip() or len(fields.title) > MAX_TITLE_CHARS:
        draft.error(f"the title must be 1 to {MAX_TITLE_CHARS} characters", column="title")
    if not fields.publisher.strip():
        draft.error("name the publisher (a label, IRI or QID)", column="publisher")
    if not _LANG.match(fields.lang):
        draft.error(f"{fields.lang[:50]!r} is not a language code such as nl or en", column="lang")
    try:
        parse_range(fields.date)
    except ValueError as exc:
        draft.error(str(exc), column="date")
    return text, draft


def _publisher(kg, draft: Draft, name: str, taken: set[str]) -> str:
    """The publisher's IRI: the existing actor `name` names, or a new nkg:NewsOrganisation labelled `name`."""
    try:
        found = actors.lookup(kg, name)
    except IngestError as exc:
        draft.error(exc.errors[0]["message"], column="publisher")
        return vocab.RESOURCE_BASE + "actor/x"
    if found is not None:
        return found.iri
    if "://" in name or actors._QID.match(name.strip()):
        draft.error(f"no actor {name[:200]!r} in the store ({actors.suggestions(kg, name)}); "
                    "give a label to add a new publisher", column="publisher")
        return vocab.RESOURCE_BASE + "actor/x"
    iri = actors.mint(kg, "actor", name, taken)
    draft.add(iri, RDF_TYPE, nkg("NewsOrganisation"))
    for language in ("nl", "en"):
        draft.add(iri, LABEL, ox.Literal(name.strip(), language=language))
    draft.minted.append(iri)
    return iri


def build(kg, fields: ArticleFields) -> tuple[str, Draft]:
    """The article's IRI and its draft (article, date, new publisher if any); 409 when it is already stored."""
    text, draft = _check(fields)
    draft.raise_errors()
    taken: set[str] = set()
    publisher = _publisher(kg, draft, fields.publisher, taken)
    draft.raise_errors()
    article = f"{vocab.RESOURCE_BASE}article/{_article_slug(fields.url, publisher)}"
    same_url = kg.query("SELECT ?url ?a WHERE { ?a <http://schema.org/url> ?url ; a <" + vocab.NKG + "Article> }",
                        bindings={"url": ox.NamedNode(fields.url)}).rows()
    if same_url:
        raise ConflictError(f"an article with this URL is already in the store: <{same_url[0]['a'].value}>")
    if actors.exists(kg, article):
        raise ConflictError(f"<{article}> is already in the store")
    when = parse_range(fields.date)
    date_iri = f"{vocab.RESOURCE_BASE}time/{article.rsplit('/', 1)[-1]}-date"
    add_timespec(draft, date_iri, when, label=f"date of the article ({fields.date.strip()})")
    draft.add(article, RDF_TYPE, nkg("Article"))
    held = fields.text is not None
    draft.add(article, LABEL, ox.Literal(fields.title.strip(), language=fields.lang if held else "en"))
    draft.add(article, SCHEMA_URL, ox.NamedNode(fields.url))
    if held:  # a cited report's headline is its words, which we do not copy: the title is then our own label
        draft.add(article, ox.NamedNode(vocab.SCHEMA + "headline"), ox.Literal(fields.title.strip(), language=fields.lang))
    draft.add(article, ox.NamedNode(vocab.SCHEMA + "publisher"), publisher)
    published = (typed(when.earliest.isoformat()[:7], "gYearMonth") if when.precision == "month"
                 else typed(when.earliest.isoformat(), "date"))
    if when.earliest == when.latest or when.precision == "month":
        draft.add(article, ox.NamedNode(vocab.SCHEMA + "datePublished"), published)
    draft.add(article, nkg("publishedAt"), date_iri)
    draft.add(article, ox.NamedNode(vocab.SCHEMA + "inLanguage"), ox.Literal(fields.lang))
    if held:
        draft.add(article, ox.NamedNode(vocab.SCHEMA + "articleBody"), ox.Literal(text, language=fields.lang))
        draft.add(article, nkg("sha256"), ox.Literal(hashlib.sha256(fields.text).hexdigest()))
    draft.minted.insert(0, article)
    return article, draft
