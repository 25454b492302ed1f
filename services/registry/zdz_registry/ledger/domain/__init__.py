"""The ledger's rules: rows, information defects, problems and their tasks, facts, acceptance and progress."""
