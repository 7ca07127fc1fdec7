from magnet_graph.names import NAME_PATTERN, sanitize_name, unique_name


def test_sanitize_keeps_valid_names_and_fixes_the_rest():
    assert sanitize_name("get_user-id2") == "get_user-id2"
    assert sanitize_name("  Crème brûlée / order!! ") == "Creme_brulee_order"
    long = sanitize_name("x" * 100)
    assert len(long) == 64 and NAME_PATTERN.fullmatch(long)
    cjk = sanitize_name("查询天气")
    assert NAME_PATTERN.fullmatch(cjk) and cjk == sanitize_name("查询天气") != sanitize_name("查询航班")


def test_unique_name_suffixes_within_64_chars():
    assert unique_name("a", set()) == "a"
    assert unique_name("a", {"a", "a_2"}) == "a_3"
    base = "y" * 64
    assert unique_name(base, {base}) == "y" * 62 + "_2"


def test_a_trailing_newline_is_not_a_valid_name():
    assert NAME_PATTERN.match("ab\n") is None and NAME_PATTERN.fullmatch("ab\n") is None
    assert sanitize_name("ab\n") == "ab"
