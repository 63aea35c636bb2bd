"""The study material: normalise, ingest (chunk into the index), embeddings (the one vector cache),
store (the only chromadb import) and retrieval (hybrid search)."""
