"""Doing it many times: vectorized sweeps, chunked and resumable execution, atomic storage."""
