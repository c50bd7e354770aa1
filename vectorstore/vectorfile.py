"""Passage vectors kept beside a document file (``<stem>.vectors.npz``), or in the generation a
document replaces, so that ingesting it embeds only the texts they do not hold.

Embedding is most of an ingest's cost (the bundled plan's 300 passages take ~18 s of CPU); the
bundled plan ships its vectors. Each vector is keyed by the model's spec and a hash of the
exact text embedded, so a text that changed, or another model, is simply embedded afresh.

    .venv/bin/python -m vectorstore.vectorfile ingest/corpus/putuo-yingshang-2021.txt

writes (or rewrites) the file for a document with the default model.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
from chromadb.api.models.Collection import Collection

from vectorstore.embeddings import ModelEmbeddings

SUFFIX = ".vectors.npz"


def vectors_path(document: Path) -> Path:
    """The vector file beside a document file."""
    return document.with_name(document.stem + SUFFIX)


def text_key(spec: str, text: str) -> str:
    """The key of a text embedded by the model named spec."""
    return hashlib.sha256(f"{spec}\n{text}".encode()).hexdigest()


class VectorFile:
    """Known passage vectors.

    vectors: by :func:`text_key`.
    """

    def __init__(self, vectors: dict[str, np.ndarray] | None = None) -> None:
        self.vectors = vectors or {}

    @classmethod
    def read(cls, path: Path) -> VectorFile:
        """The vectors in a file; none when it does not exist."""
        if not path.exists():
            return cls()
        with np.load(path) as data:
            return cls(dict(zip(data["keys"].tolist(), data["vectors"], strict=True)))

    @classmethod
    def stored(cls, collection: Collection, spec: str) -> VectorFile:
        """The vectors a generation's collection holds, if the model named spec built it (none
        otherwise)."""
        if (collection.metadata or {}).get("embeddings") != spec:
            return cls()
        record = collection.get(include=["documents", "embeddings"])
        return cls({text_key(spec, t): np.asarray(v, dtype=np.float32)
                    for t, v in zip(record["documents"], record["embeddings"], strict=True)})

    def merged(self, other: VectorFile) -> VectorFile:
        """These vectors and other's."""
        return VectorFile({**self.vectors, **other.vectors})

    def write(self, path: Path) -> None:
        keys = sorted(self.vectors)
        matrix = (np.stack([self.vectors[k] for k in keys]) if keys
                  else np.empty((0, 0), dtype=np.float32))
        with path.open("wb") as out:
            np.savez(out, keys=np.array(keys), vectors=matrix.astype(np.float32))


class KnownEmbeddings(ModelEmbeddings):
    """A model's passage embeddings, taken from known vectors where they hold the text.

    model: the model (it embeds queries and the texts not known). known: the vectors.
    """

    def __init__(self, model: ModelEmbeddings, known: VectorFile) -> None:
        self.model = model
        self.known = known
        self.spec = model.spec

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [text_key(self.spec, t) for t in texts]
        missing = [t for t, k in zip(texts, keys, strict=True) if k not in self.known.vectors]
        fresh = iter(self.model.embed_documents(missing) if missing else [])
        return [self.known.vectors[k].tolist() if k in self.known.vectors else next(fresh)
                for k in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)

    def embed_query_vector(self, text: str) -> np.ndarray:
        return self.model.embed_query_vector(text)


def write_vectors(path: Path, model: ModelEmbeddings) -> int:
    """Embed every passage of the document file at path (as ingest does) and write its vector
    file; returns how many."""
    from ingest.formats import read_document
    from ingest.plan import parse_plan
    from ingest.queries import parse_queries, read_queries_text
    from vectorstore.library import passages

    plan = parse_plan(read_document(path))
    texts = [d.page_content for d in passages(plan, parse_queries(read_queries_text(path), plan))]
    vectors = np.asarray(model.embed_documents(texts), dtype=np.float32)
    VectorFile({text_key(model.spec, t): v for t, v in zip(texts, vectors, strict=True)}
               ).write(vectors_path(path))
    return len(texts)


def main() -> None:
    from vectorstore.embeddings import make_embeddings

    parser = argparse.ArgumentParser(description="Write the passage vectors of document files")
    parser.add_argument("paths", nargs="+", type=Path)
    for path in parser.parse_args().paths:
        print(f"{vectors_path(path)}: {write_vectors(path, make_embeddings())} vectors")


if __name__ == "__main__":
    main()
