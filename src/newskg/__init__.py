"""newskg: a knowledge graph of news events and claims, served over SPARQL 1.1."""

__version__ = "0.1.0"
