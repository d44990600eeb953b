from scheme.ratelimit import allowed, hit


def test_a_key_is_allowed_up_to_its_limit_in_the_window():
    assert [hit("test", "kari@example.no", limit=3, seconds=60) for _ in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert hit("test", "ola@example.no", limit=3, seconds=60)
    assert hit("other-scope", "kari@example.no", limit=3, seconds=60)


def test_keys_are_the_same_whatever_their_case():
    for _ in range(2):
        hit("test", "Kari@Example.no", limit=2, seconds=60)
    assert not hit("test", "kari@example.no", limit=2, seconds=60)


def test_any_key_over_its_limit_refuses():
    assert allowed("test", ["a@example.no", "10.0.0.1"], limit=1, seconds=60)
    assert not allowed("test", ["b@example.no", "10.0.0.1"], limit=1, seconds=60)
