"""The command line's side of things: a running server reached over HTTP (through the egress policy), and answers
rendered for a person at a terminal or for the program at the other end of a pipe. Only the CLI imports it."""
