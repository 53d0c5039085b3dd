"""Adding articles and their claims without writing RDF: an article from its text, claims from a sheet."""
