"""countlab bench: the cost of a draw against the cost of its random numbers."""
