"""The write path: the SHACL gate, its context, validation, reasoning, assertion records, seed loading."""
