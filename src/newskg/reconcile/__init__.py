"""Entity reconciliation (the W3C Reconciliation Service API 0.2, as OpenRefine speaks it) over the graph."""
