"""The quad stores behind one interface: the embedded pyoxigraph store and a remote SPARQL 1.1 store."""
