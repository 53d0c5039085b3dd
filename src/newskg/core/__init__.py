"""What every layer shares: settings, errors, vocabulary, the project's files, RDF parsing."""
