"""Chinese segmentation with a private jieba Tokenizer, the domain dictionary and stopwords."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from importlib import resources
from typing import Any

import jieba

RESOURCES = "indexer.resources"
USER_DICT = "userdict.txt"
STOPWORDS = "stopwords.txt"

_TOKEN_OK = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z0-9][a-z0-9.+\-]*[a-z0-9+]|[a-z]{2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")

jieba.setLogLevel(logging.WARNING)


def resource_text(name: str) -> str:
    """Text of a file in ``indexer/resources``."""
    return resources.files(RESOURCES).joinpath(name).read_text(encoding="utf-8")


def user_dictionary_terms() -> list[str]:
    """Terms of the domain user dictionary, in file order."""
    return [line.split()[0] for line in resource_text(USER_DICT).splitlines() if line.strip()]


class Segmenter:
    """Segments text into searchable terms; loads jieba and the dictionaries on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer: jieba.Tokenizer | None = None
        self._stopwords: frozenset[str] = frozenset()
        self._extractor: Any = None

    def _load(self) -> jieba.Tokenizer:
        with self._lock:
            if self._tokenizer is None:
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for line in resource_text(USER_DICT).splitlines():
                    parts = line.split()
                    if not parts:
                        continue
                    freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                    tag = parts[2] if len(parts) > 2 else None
                    tokenizer.add_word(parts[0], freq, tag)
                self._stopwords = frozenset(w.strip() for w in resource_text(STOPWORDS).splitlines() if w.strip())
                from jieba.analyse import TFIDF  # loads its IDF table: only when first needed

                extractor = TFIDF()
                extractor.tokenizer = tokenizer
                extractor.stop_words = set(extractor.stop_words) | set(self._stopwords)
                self._extractor = extractor
                self._tokenizer = tokenizer
            return self._tokenizer

    @property
    def stopwords(self) -> frozenset[str]:
        """The stopword set (loaded on first use)."""
        self._load()
        return self._stopwords

    def _keep(self, token: str) -> bool:
        token = token.strip()
        if not token or token in self._stopwords:
            return False
        return bool(_TOKEN_OK.fullmatch(token))

    def cut(self, text: str) -> list[str]:
        """Terms of ``text`` in order: precise mode, lower-cased, stopwords and noise removed."""
        tokenizer = self._load()
        return [t for t in (w.lower() for w in tokenizer.cut(text or "", HMM=True)) if self._keep(t)]

    def cut_for_search(self, text: str) -> list[str]:
        """Terms plus every dictionary sub-word (2+ characters) of long terms, for recall."""
        tokenizer = self._load()
        out: list[str] = []
        for word in tokenizer.cut(text or "", HMM=True):
            word = word.lower()
            if len(word) > 2 and _CJK.search(word):
                for size in range(2, len(word)):
                    for start in range(len(word) - size + 1):
                        sub = word[start : start + size]
                        if tokenizer.FREQ.get(sub) and self._keep(sub):
                            out.append(sub)
            if self._keep(word):
                out.append(word)
        return out

    def keywords(self, text: str, top_k: int = 5) -> list[str]:
        """The ``top_k`` most characteristic terms of ``text`` by TF-IDF."""
        self._load()
        assert self._extractor is not None
        found = self._extractor.extract_tags(text or "", topK=top_k * 3)
        out = [w.lower() for w in found if self._keep(w.lower()) and _CJK.search(w)]
        return out[:top_k]

    def normalize_terms(self, terms: Iterable[str]) -> list[str]:
        """Lower-case, strip and de-duplicate given keywords, keeping their order."""
        seen: dict[str, None] = {}
        for term in terms:
            t = term.strip().lower()
            if t:
                seen.setdefault(t, None)
        return list(seen)
