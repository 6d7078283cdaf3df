import jieba

from indexer.text import Segmenter, user_dictionary_terms


def test_user_dictionary_has_at_least_2000_domain_terms() -> None:
    terms = user_dictionary_terms()
    assert len(set(terms)) >= 2000
    for term in ("现代煤化工", "有机旱作农业", "星创天地", "科技特派员", "煤焦冶电"):
        assert term in terms


def test_domain_terms_stay_whole() -> None:
    seg = Segmenter()
    tokens = seg.cut("推进有机旱作农业与现代煤化工发展，建设星创天地")
    assert "有机旱作农业" in tokens
    assert "现代煤化工" in tokens
    assert "星创天地" in tokens


def test_stopwords_and_punctuation_are_removed() -> None:
    seg = Segmenter()
    tokens = seg.cut("我们的技术，通过进行研究，实现了煤矸石的综合利用。")
    assert "的" not in tokens and "，" not in tokens and "进行" not in tokens
    assert "煤矸石" in tokens


def test_cut_for_search_adds_sub_words_of_long_terms() -> None:
    seg = Segmenter()
    tokens = seg.cut_for_search("焦炉煤气制氢")
    assert "焦炉煤气" in tokens
    assert "煤气" in tokens


def test_keywords_are_extracted_from_text() -> None:
    seg = Segmenter()
    text = "干熄焦余热发电技术，利用干熄焦过程回收焦炭显热，干熄焦锅炉产生蒸汽发电。"
    keywords = seg.keywords(text, top_k=3)
    assert 1 <= len(keywords) <= 3
    assert "干熄焦" in keywords


def test_private_tokenizer_leaves_global_jieba_untouched() -> None:
    seg = Segmenter()
    seg.cut("星创天地")
    assert "星创天地" not in jieba.dt.FREQ or jieba.dt.FREQ.get("星创天地") is None
