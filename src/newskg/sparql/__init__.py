"""SPARQL protocol parsing, content negotiation and result formats. No FastAPI import here."""
