"""Leaf utilities every other package may use and which import nothing of ours: AWS clients
made once per container (`common.aws`)."""
